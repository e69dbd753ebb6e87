package dev.pt2cache.system;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;

/**
 * An opaque keyset position in "newest first" order: the time and id of the last item of a page,
 * the id breaking ties between items of one time. Keyset paging stays fast however deep the listing
 * goes. Every listing that pages (artifacts, invalidations, evictions) encodes its cursor so; the
 * id is whatever the listing's table keys its rows by.
 */
public record PageCursor<I>(Instant at, I id) {

  public String encode() {
    long micros = ChronoUnit.MICROS.between(Instant.EPOCH, at);
    String plain = micros + "." + id;
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(plain.getBytes(StandardCharsets.US_ASCII));
  }

  /**
   * The position a cursor names, its id read by {@code parseId}; {@link InvalidCursorException}
   * when this service issued no such cursor.
   */
  public static <I> PageCursor<I> decode(String cursor, Function<String, I> parseId) {
    try {
      String plain = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.US_ASCII);
      int dot = plain.indexOf('.');
      long micros = Long.parseLong(plain.substring(0, dot));
      Instant at = Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
      if (at.isBefore(Instant.EPOCH) || at.isAfter(Times.LATEST)) {
        // no listing gives such a cursor, and PostgreSQL would refuse the time
        throw new IllegalArgumentException("time out of range");
      }
      return new PageCursor<>(at, parseId.apply(plain.substring(dot + 1)));
    } catch (RuntimeException e) {
      throw new InvalidCursorException(cursor);
    }
  }

  /**
   * The rows of a page read as {@code limit + 1} rows, the one more only saying that a next page
   * exists.
   */
  public static <T> List<T> page(List<T> rows, int limit) {
    return rows.size() <= limit ? rows : rows.subList(0, limit);
  }

  /**
   * The cursor after a page read as {@code limit + 1} rows, {@code position} the time and id of a
   * row; null on the last page.
   */
  public static <T> String after(List<T> rows, int limit, Function<T, PageCursor<?>> position) {
    return rows.size() <= limit ? null : position.apply(rows.get(limit - 1)).encode();
  }
}
