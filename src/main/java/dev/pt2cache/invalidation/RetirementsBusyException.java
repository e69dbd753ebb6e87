package dev.pt2cache.invalidation;

/**
 * Every slot for blocking invalidations on this instance stayed taken by others retiring their
 * matches ({@link RetirementSlots}); nothing was recorded or retired. Retry shortly, or on another
 * instance.
 */
public class RetirementsBusyException extends RuntimeException {

  RetirementsBusyException(int slots) {
    super(
        ("this instance is already retiring the matches of %d blocking invalidations, as many as"
                + " its database pool allows (a quarter of PT2CACHE_DB_POOL_SIZE); nothing was recorded"
                + " or retired: retry shortly")
            .formatted(slots));
  }
}
