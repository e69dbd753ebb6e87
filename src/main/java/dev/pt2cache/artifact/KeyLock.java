package dev.pt2cache.artifact;

import dev.pt2cache.system.AdvisoryLocks;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Serializes the transactions that decide which artifact holds a (namespace, kind, key), across
 * every instance of the service, with a transaction-scoped advisory lock. The partial unique index
 * on READY artifacts stays the last line of defence.
 */
@Component
class KeyLock {

  private final AdvisoryLocks locks;

  KeyLock(AdvisoryLocks locks) {
    this.locks = locks;
  }

  @Transactional(propagation = Propagation.MANDATORY)
  void lock(String namespace, ArtifactKind kind, String key) {
    locks.lock(namespace + '/' + kind.wireName() + '/' + key);
  }
}
