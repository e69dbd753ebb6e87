package dev.pt2cache.problem;

import dev.pt2cache.system.SqlCauses;
import java.util.Set;

/**
 * PostgreSQL's answer to two transactions that wait on each other's rows: it aborts one of them,
 * which then changed nothing and may simply run again. An invalidation that retires rows another
 * instance's hit bookkeeping has just locked in another order is such a victim now and then; it is
 * told to try again ({@code 503} with {@code Retry-After}), not that the service failed.
 */
final class LockConflicts {

  private static final Set<String> STATES =
      Set.of(
          "40P01", // deadlock_detected
          "40001"); // serialization_failure

  private LockConflicts() {}

  /** Whether a cause of {@code failure} is the database aborting it for a concurrent one. */
  static boolean isConflict(Throwable failure) {
    return SqlCauses.first(failure, STATES).isPresent();
  }

  /**
   * Whether a cause of {@code failure} is a lock that stayed held for longer than the request waits
   * for one ({@code lock_not_available}: {@code PT2CACHE_DB_LOCK_WAIT}, docs/adr/0039).
   */
  static boolean waitedTooLong(Throwable failure) {
    return SqlCauses.first(failure, Set.of("55P03")).isPresent();
  }
}
