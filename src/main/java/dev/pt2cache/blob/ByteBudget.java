package dev.pt2cache.blob;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Room that bodies take as their bytes arrive, counted in KiB, so that a client that sends slowly,
 * or stopped after a few KB, holds the room its bytes take and nothing more. Three budgets: the
 * heap of upload heads (a body up to the part size, or the first part of a larger one, read before
 * the upload takes its permit; {@code max-concurrent-puts} times the part size, the bound upload
 * buffers always had; before, each body held one of the 16 permits for as long as its client took,
 * and 16 such clients held every upload of the instance out), the heap of small downloads, and the
 * disk of entry bodies spooled without their digest ({@code PT2CACHE_SPOOL_DISK}; before, 8 slots,
 * which 8 stalled bodies held). docs/adr/0036.
 */
public final class ByteBudget {

  private static final int KIB = 1024;

  private final Semaphore kib;
  private final int total;

  public ByteBudget(long bytes) {
    this.total = (int) Math.min(Integer.MAX_VALUE, Math.max(1, (bytes + KIB - 1) / KIB));
    this.kib = new Semaphore(total, true);
  }

  /** Bytes held now. */
  public long heldBytes() {
    return (long) (total - kib.availablePermits()) * KIB;
  }

  /**
   * Takes room for {@code bytes}, waiting up to {@code wait} for it: what to give back, or 0 when
   * none came free in time (the caller says which bound it was). Only the spool disk waits, and
   * only while it holds no room ({@code SpoolRoom}); the heads of uploads use {@link #tryTake}.
   */
  public int take(int bytes, Duration wait) {
    int units = units(bytes);
    try {
      if (kib.tryAcquire(units, wait.toMillis(), TimeUnit.MILLISECONDS)) {
        return units;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  /**
   * Takes room for {@code bytes} if there is some now and nobody waits for room: what to give back,
   * or 0 for none. (A timed try, even of zero, keeps the fair order; a plain one would barge ahead
   * of bodies waiting in {@link #take}.)
   */
  int tryTake(int bytes) {
    int units = units(bytes);
    try {
      return kib.tryAcquire(units, 0, TimeUnit.MILLISECONDS) ? units : 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }

  /** The KiB that {@code bytes} take, at least one, at most all there are. */
  private int units(int bytes) {
    return Math.min(total, Math.max(1, (bytes + KIB - 1) / KIB));
  }

  /** Gives back what {@link #take} or {@link #tryTake} answered. */
  public void give(int units) {
    kib.release(units);
  }
}
