package dev.pt2cache.invalidation;

import java.util.UUID;

/**
 * A blocking invalidation whose rule committed and stands, but whose retirement of its matches the
 * database stopped midway (a lock held past {@code PT2CACHE_DB_LOCK_WAIT}, a connection lost): the
 * batches before are retired, the rest not yet. Its answer keeps the problem type of what stopped
 * it, and says this rather than the type's usual "nothing was changed" (docs/adr/0039).
 */
public class RetirementUnfinishedException extends RuntimeException {

  RetirementUnfinishedException(UUID id, long retired, boolean keyed, RuntimeException cause) {
    super(
        ("invalidation %s is recorded and in force (uploads that match it are refused), and %d of"
                + " its matches were retired before the rest were stopped (the problem's type says by what); %s")
            .formatted(
                id,
                retired,
                keyed
                    ? "send it again with the same Idempotency-Key to retire them"
                    : "send it again to retire them (without an Idempotency-Key, as a second rule"
                        + " like it)"),
        cause);
  }
}
