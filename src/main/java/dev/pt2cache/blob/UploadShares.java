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

  /**
   * The spare permits of a multipart upload of {@code namespace}: each takes a place in the
   * namespace's share as well, and goes back once a send ends while another upload waits for a
   * permit or one of the namespace's for a place. Taken outside the share, as first written, a
   * stalled multipart upload kept its spare (it goes back only when a send ends), and 8 of one
   * namespace's held all 16 permits despite a share of 12.
   */
  SparePermits spares(String namespace, PartBuffers buffers) {
    Semaphore share = of(namespace);
    return new SparePermits() {
      @Override
      public boolean tryTake() {
        if (!takeNow(share)) {
          return false;
        }
        if (buffers.tryTake()) {
          return true;
        }
        share.release();
        return false;
      }

      @Override
      public boolean wanted() {
        return buffers.wanted() || share.hasQueuedThreads();
      }

      @Override
      public void giveBack() {
        buffers.giveBack();
        share.release();
      }
    };
  }

  /** A place now, behind those already waiting (a timed try keeps a fair semaphore's order). */
  private static boolean takeNow(Semaphore share) {
    try {
      return share.tryAcquire(0, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  // one small semaphore per namespace that uploaded since the start; namespaces are made by
  // operators, and an upload reaches the store only in one that exists
  private Semaphore of(String namespace) {
    return shares.computeIfAbsent(namespace, n -> new Semaphore(share, true));
  }
}
