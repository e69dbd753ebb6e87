package dev.pt2cache.artifact;

import dev.pt2cache.blob.ByteRange;
import java.util.List;
import org.springframework.http.HttpRange;

/** The conditional and partial parts of a download request: If-None-Match and Range. */
final class ContentRequests {

  private ContentRequests() {}

  /** True when If-None-Match names the content's entity tag (the quoted SHA-256) or is "*". */
  static boolean notModified(String ifNoneMatch, String sha256) {
    if (ifNoneMatch == null) {
      return false;
    }
    for (String tag : ifNoneMatch.split(",")) {
      String t = tag.trim();
      if (t.startsWith("W/")) {
        t = t.substring(2);
      }
      if (t.equals("*") || t.equals("\"" + sha256 + "\"")) {
        return true;
      }
    }
    return false;
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
