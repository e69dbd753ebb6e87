package dev.pt2cache.artifact;

import dev.pt2cache.blob.ByteRange;
import java.math.BigInteger;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.http.ETag;
import org.springframework.http.HttpRange;

/** The conditional and partial parts of a download request: If-None-Match and Range. */
final class ContentRequests {

  private ContentRequests() {}

  /**
   * True when If-None-Match names the content's entity tag (the quoted SHA-256), weakly compared,
   * or is "*". Parsed by Spring's own {@link ETag}, as Spring MVC parses it when it checks the
   * answer again: wherever that check would turn a 200 into a 304, this one must have said so
   * first, before the store was opened. Otherwise Spring answers 304 and never closes the body it
   * was given, and the download's store connection is never given back.
   */
  static boolean notModified(String ifNoneMatch, String sha256) {
    if (ifNoneMatch == null) {
      return false;
    }
    ETag content = ETag.create("\"" + sha256 + "\"");
    for (ETag requested : ETag.parse(ifNoneMatch)) {
      if (requested.isWildcard() || requested.compare(content, false)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether a Range may be honoured under If-Range (RFC 9110 13.1.5): with none, or when it names
   * the content's entity tag as a strong match. A weak tag or a date never matches (there is no
   * Last-Modified to compare). An entry's key may hold other content after an invalidation, and a
   * range of it would be spliced onto the client's prefix of the old.
   */
  static boolean sameContent(String ifRange, String sha256) {
    if (ifRange == null) {
      return true;
    }
    ETag asked = ETag.create(ifRange.strip());
    return !asked.isWildcard() && asked.compare(ETag.create("\"" + sha256 + "\""), true);
  }

  /** One byte range, its first and (optional) last positions captured as digits. */
  private static final Pattern ONE_RANGE =
      Pattern.compile("(?i)bytes[ \\t]*=[ \\t]*([0-9]+)[ \\t]*-[ \\t]*([0-9]*)[ \\t]*");

  private static final BigInteger LONGEST = BigInteger.valueOf(Long.MAX_VALUE);

  /**
   * Whether a header Spring could not parse is one valid range starting past any content's end: a
   * first position too long for a {@code long} (RFC 9110 14.1.2 bounds no number of digits), and no
   * last position before it (which would make the range invalid, so ignored).
   */
  private static boolean startsPastAnyEnd(String header) {
    Matcher range = ONE_RANGE.matcher(header);
    if (!range.matches()) {
      return false;
    }
    BigInteger first = new BigInteger(range.group(1));
    return first.compareTo(LONGEST) > 0
        && (range.group(2).isEmpty() || new BigInteger(range.group(2)).compareTo(first) >= 0);
  }

  /**
   * The one range asked for, or null for the whole content: a missing or malformed header, or
   * several ranges, are answered with everything (RFC 9110 lets a server ignore Range).
   */
  static ByteRange range(String header, long size) {
    if (header == null || size == 0) {
      return null;
    }
    List<HttpRange> ranges;
    try {
      ranges = HttpRange.parseRanges(header);
    } catch (IllegalArgumentException e) {
      if (startsPastAnyEnd(header)) {
        throw new RangeNotSatisfiableException(header, size);
      }
      return null;
    }
    if (ranges.size() != 1) {
      return null;
    }
    try {
      HttpRange range = ranges.get(0);
      return new ByteRange(range.getRangeStart(size), range.getRangeEnd(size));
    } catch (IllegalArgumentException e) {
      throw new RangeNotSatisfiableException(header, size);
    }
  }
}
