package dev.pt2cache.blob;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The heap that single-part upload bodies may take while their clients send them, counted in KiB:
 * {@code max-concurrent-puts} times the part size, the bound upload buffers always had. A body
 * takes its share chunk by chunk, as its bytes arrive, and no upload permit while it does: a client
 * that sends slowly, or stopped after a few KB, holds the memory its bytes take and nothing another
 * upload needs (before, it held one of the 16 permits for as long as it took, and 16 such clients
 * held every upload of the instance out; docs/adr/0036).
 */
final class BodyMemory {

  private static final int KIB = 1024;

  private final Semaphore kib;
  private final int total;

  BodyMemory(long bytes) {
    this.total = (int) Math.min(Integer.MAX_VALUE, Math.max(1, (bytes + KIB - 1) / KIB));
    this.kib = new Semaphore(total, true);
  }

  /** Bytes held by bodies being read now. */
  long heldBytes() {
    return (long) (total - kib.availablePermits()) * KIB;
  }

  /** Takes room for {@code bytes}, or answers busy when none came free within {@code wait}. */
  int take(int bytes, Duration wait) {
    int units = units(bytes);
    try {
      if (kib.tryAcquire(units, wait.toMillis(), TimeUnit.MILLISECONDS)) {
        return units;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    throw StorageBusyException.noBodyRoom();
  }

  /** Takes room for {@code bytes} if there is some now: what to give back, or 0 for none. */
  int tryTake(int bytes) {
    int units = units(bytes);
    return kib.tryAcquire(units) ? units : 0;
  }

  /** The KiB that {@code bytes} take, at least one, at most all there are. */
  private int units(int bytes) {
    return Math.min(total, Math.max(1, (bytes + KIB - 1) / KIB));
  }

  /** Gives back what {@link #take} or {@link #tryTake} answered. */
  void give(int units) {
    kib.release(units);
  }
}
