package dev.pt2cache.invalidation;

import dev.pt2cache.system.AdvisoryLocks;
import dev.pt2cache.system.ServiceClock;
import dev.pt2cache.system.Times;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * What an invalidation's Idempotency-Key makes of a request (docs/adr/0029, "Sent again"): the
 * invalidation an earlier request with the key recorded, or nothing, and then the request records.
 * Called in the transaction that would record, it takes the key's lock first and keeps it until
 * that transaction ends, so two requests with one key at once record once: the second waits, then
 * finds the first's record.
 */
@Component
class KeyedRecords {

  private final InvalidationRepository invalidations;
  private final AdvisoryLocks locks;
  private final ServiceClock clock;

  KeyedRecords(InvalidationRepository invalidations, AdvisoryLocks locks, ServiceClock clock) {
    this.invalidations = invalidations;
    this.locks = locks;
    this.clock = clock;
  }

  /**
   * The invalidation recorded with this key in the namespace, if any (none without a key). The same
   * key with another request is refused ({@link IdempotencyKeyReusedException}). A keyed request
   * that is to record has its expiry checked here, once it is known not to be a resend, whose
   * expiry may have passed since its first sending.
   */
  Optional<Invalidation> earlier(String namespace, IdempotencyKey key, Invalidation.Rule rule) {
    if (key == null) {
      return Optional.empty();
    }
    locks.lock("invalidation-key:" + namespace + ":" + key.value());
    Optional<Invalidation> recorded =
        invalidations.findByNamespaceAndIdempotencyKey(namespace, key.value());
    if (recorded.isPresent() && !recorded.get().recordedFor(key)) {
      throw new IdempotencyKeyReusedException(recorded.get().id());
    }
    if (recorded.isEmpty() && rule.expiresAt() != null) {
      Times.requireExpiry(rule.expiresAt(), clock.now());
    }
    return recorded;
  }
}
