package dev.pt2cache.system;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.springframework.stereotype.Component;

/**
 * The time by which this instance stamps and judges what other instances, or the database, also
 * read: when an artifact was declared and became ready, when its reservation ends, whether a token
 * or a rule has expired. Read from the instance's {@link Clock} bean, to the microsecond that
 * PostgreSQL keeps.
 */
@Component
public class ServiceClock {

  private final Clock clock;

  public ServiceClock(Clock clock) {
    this.clock = clock;
  }

  /** Now, to the microsecond. */
  public Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MICROS);
  }
}
