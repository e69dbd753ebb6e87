package dev.pt2cache.blob;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * How many of the upload permits ({@link PartBuffers}) one namespace's uploads may hold at once. An
 * upload holds its permit while its client sends the rest of its body, at the client's pace;
 * without a share, one tenant's clients that stop or trickle past their first part held every
 * permit, and every other namespace's upload was refused {@code storage-busy} for as long as they
 * went on (docs/adr/0038). An upload past its namespace's share waits for one of that namespace's
 * own, never in the permits' queue, so the others always find the rest.
 */
final class UploadShares {

  private final int share;
  private final int permits;
  private final Map<String, Semaphore> shares = new ConcurrentHashMap<>();

  UploadShares(int share, int permits) {
    this.share = share;
    this.permits = permits;
  }

  /** What an upload that found no place in its namespace's share within its wait is told. */
  StorageBusyException refusal(String namespace) {
    return StorageBusyException.namespaceShare(namespace, share, permits);
  }

  /** A place in the namespace's share; false when none came within {@code wait}. */
  boolean acquire(String namespace, Duration wait) throws InterruptedException {
    return of(namespace).tryAcquire(wait.toNanos(), TimeUnit.NANOSECONDS);
  }

  void release(String namespace) {
    of(namespace).release();
  }

  // one small semaphore per namespace that uploaded since the start; namespaces are made by
  // operators, and an upload reaches the store only in one that exists
  private Semaphore of(String namespace) {
    return shares.computeIfAbsent(namespace, n -> new Semaphore(share, true));
  }
}
