package dev.pt2cache.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A job lock's release or extension is asked again only while the try, at its longest, still ends
 * within the lock's own time: ShedLock's release ({@code UPDATE shedlock ... WHERE name = ? AND
 * locked_by = ?}) does not check {@code lock_until}, and while {@code locked_by} was the host's
 * name, the same for every run of the instance and every instance on the host, a try that reached
 * PostgreSQL after the lock lapsed released the next holder's lock ({@link LocksPerTake} now gives
 * each take its own).
 */
class LockTriesTest {

  /** The defaults: 5 s connection wait, 5 s validation, 20 s answer wait. */
  final LockTries defaults = new LockTries(Duration.ofSeconds(30));

  @Test
  void shouldTryAgainUpToAQuarterOfTheLockWhenATryEndsWithinIt() {
    // PT2CACHE_JOB_LOCK_TIMEOUT 2 minutes, extended 1 minute before the job ended: held 1 more
    assertThat(mayStart(defaults, Duration.ofMinutes(2), 60, 29)).isTrue();
    assertThat(mayStart(defaults, Duration.ofMinutes(2), 60, 31)).isFalse();
  }

  @Test
  void shouldNotTryWhereATryCouldEndPastTheLocksOwnTime() {
    // PT2CACHE_JOB_LOCK_TIMEOUT at its least, 30 s, extended 15 s before the job ended: a try at
    // 7 s could reach PostgreSQL 30 s later, 22 s after the lock lapsed
    assertThat(mayStart(defaults, Duration.ofSeconds(30), 15, 7)).isFalse();
    assertThat(mayStart(defaults, Duration.ofSeconds(30), 15, 0)).isFalse();
  }

  @Test
  void shouldStopEarlierWhereTheLockHasLessTimeLeft() {
    // the default lock, whose last extension failed past its own tries, with 40 s left when the
    // job ends: tries start before 10 s in
    assertThat(mayStart(defaults, Duration.ofMinutes(2), 40, 9)).isTrue();
    assertThat(mayStart(defaults, Duration.ofMinutes(2), 40, 11)).isFalse();
  }

  @Test
  void shouldNotTryAgainWhereATryHasNoBound() {
    // PT2CACHE_DB_ANSWER_WAIT=0s: a try may wait for a silent PostgreSQL until TCP gives up
    assertThat(mayStart(new LockTries(null), Duration.ofMinutes(2), 60, 1)).isFalse();
  }

  /**
   * Whether a try may start {@code atSecond} seconds after the release began, the lock being this
   * run's for {@code heldSeconds} more from then.
   */
  private static boolean mayStart(
      LockTries tries, Duration lockAtMostFor, long heldSeconds, long atSecond) {
    long started = 100_000_000_000L;
    return tries.mayStart(
        started + atSecond * 1_000_000_000L,
        started,
        started + heldSeconds * 1_000_000_000L,
        lockAtMostFor);
  }
}
