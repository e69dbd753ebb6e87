package dev.pt2cache.blob;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Bounds the uploads that write to the store at once, and so the heap they hold in part buffers. An
 * upload needs one permit to run at all (a streamed upload, ADR 0013, holds a store connection with
 * it instead of a buffer); a multipart upload may take a second, to read the next part while the
 * previous one goes to the store, only while no other upload is waiting, and gives it back as soon
 * as one is.
 */
final class PartBuffers implements SparePermits {

  private final Semaphore permits;
  private final int count;

  PartBuffers(int count) {
    this.permits = new Semaphore(count, true);
    this.count = count;
  }

  /** Permits held now: uploads writing to the store, and the spares of multipart ones. */
  int inUse() {
    return count - permits.availablePermits();
  }

  /** Uploads waiting for a permit. */
  int waiting() {
    return permits.getQueueLength();
  }

  /** The buffer an upload needs to run; false when none was free within {@code wait}. */
  boolean acquire(Duration wait) throws InterruptedException {
    return permits.tryAcquire(wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** A second buffer for overlapping reads and sends, only when nobody waits for a first one. */
  boolean tryAcquireSpare() {
    try {
      // with a timeout (even zero) a fair semaphore serves those who queued first
      return !contended() && permits.tryAcquire(0, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public boolean tryTake() {
    return tryAcquireSpare();
  }

  @Override
  public boolean wanted() {
    return contended();
  }

  @Override
  public void giveBack() {
    release();
  }

  /** Whether an upload is waiting for a buffer. */
  boolean contended() {
    return permits.hasQueuedThreads();
  }

  void release() {
    permits.release();
  }
}
