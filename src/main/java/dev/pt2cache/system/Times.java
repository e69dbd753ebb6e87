package dev.pt2cache.system;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/** Instants as the API shows them (date-times in UTC), and the range of times it takes. */
public final class Times {

  /**
   * The latest time the service takes from a caller: later than any expiry anyone means, and one
   * that PostgreSQL can store (a date-time of year 300000 is valid JSON but not a timestamp).
   */
  public static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999Z");

  private Times() {}

  /**
   * A time a caller gave, as the service keeps it: to the microsecond, as PostgreSQL does. Cut here
   * rather than rounded there, so that an expiry is never kept later than asked, and the answer
   * that makes it shows what every later read shows.
   */
  public static Instant kept(OffsetDateTime given) {
    return given == null ? null : given.toInstant().truncatedTo(ChronoUnit.MICROS);
  }

  public static OffsetDateTime utc(Instant instant) {
    return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
  }

  /** Refuses an expiry that is not after {@code now}, or later than {@link #LATEST}. */
  public static void requireExpiry(Instant expiresAt, Instant now) {
    if (!expiresAt.isAfter(now)) {
      throw new InvalidTimeException("expiresAt " + expiresAt + " is not in the future");
    }
    if (expiresAt.isAfter(LATEST)) {
      throw new InvalidTimeException("expiresAt " + expiresAt + " is later than " + LATEST);
    }
  }
}
