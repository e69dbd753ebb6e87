package dev.pt2cache.system;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
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
}
