package dev.pt2cache.blob;

import dev.pt2cache.system.AdvisoryLocks;
import java.util.List;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Serializes, across instances, what decides whether a blob's object may exist: an upload
 * committing on it, and housekeeping deleting it, even where no row exists yet to lock. A
 * transaction-scoped PostgreSQL advisory lock on the digest.
 */
@Component
public class BlobLocks {

  private static final String PREFIX = "blob/";

  private final AdvisoryLocks locks;

  BlobLocks(AdvisoryLocks locks) {
    this.locks = locks;
  }

  /** Waits for the digest's lock, held until the transaction ends. */
  @Transactional(propagation = Propagation.MANDATORY)
  public void lock(String sha256) {
    locks.lock(PREFIX + sha256);
  }

  /** Takes the locks of those digests that nobody holds; answers their digests, in given order. */
  @Transactional(propagation = Propagation.MANDATORY)
  public List<String> tryLockAll(List<String> sha256s) {
    return locks.tryLockAll(sha256s.stream().map(sha256 -> PREFIX + sha256).toList()).stream()
        .map(name -> name.substring(PREFIX.length()))
        .toList();
  }
}
