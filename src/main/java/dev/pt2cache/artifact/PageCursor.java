package dev.pt2cache.artifact;

import dev.pt2cache.system.Times;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.UUID;

/**
 * An opaque keyset position in "newest first" order: the creation time and id of the last item of a
 * page. Keyset paging stays fast however deep the listing goes.
 */
record PageCursor(Instant createdAt, UUID id) {

  String encode() {
    long micros = ChronoUnit.MICROS.between(Instant.EPOCH, createdAt);
    String plain = micros + "." + id;
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(plain.getBytes(StandardCharsets.US_ASCII));
  }

  static PageCursor decode(String cursor) {
    try {
      String plain = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.US_ASCII);
      int dot = plain.indexOf('.');
      long micros = Long.parseLong(plain.substring(0, dot));
      Instant createdAt = Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
      if (createdAt.isBefore(Instant.EPOCH) || createdAt.isAfter(Times.LATEST)) {
        // no listing gives such a cursor, and PostgreSQL would refuse the time
        throw new IllegalArgumentException("time out of range");
      }
      return new PageCursor(createdAt, UUID.fromString(plain.substring(dot + 1)));
    } catch (RuntimeException e) {
      throw new InvalidCursorException(cursor);
    }
  }
}
