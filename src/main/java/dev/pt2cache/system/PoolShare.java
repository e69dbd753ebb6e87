package dev.pt2cache.system;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A quarter of the database pool (at least one connection) for one kind of work that anyone can
 * start many of at once: blocking invalidations, reads of presented tokens. Work beyond the share
 * waits its turn, in order, as long as a request waits for a connection, then is refused, so the
 * rest of the pool stays with everything else.
 */
public final class PoolShare {

  private final Semaphore turns;
  private final int size;
  private final long waitMillis;

  public PoolShare(int poolSize, long waitMillis) {
    this.size = Math.max(1, poolSize / 4);
    this.turns = new Semaphore(size, true);
    this.waitMillis = waitMillis;
  }

  /** Runs {@code work} in a turn, or throws {@code busy}'s exception once none came free. */
  public <T> T run(Supplier<T> work, Supplier<? extends RuntimeException> busy) {
    try {
      if (!turns.tryAcquire(waitMillis, TimeUnit.MILLISECONDS)) {
        throw busy.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw busy.get();
    }
    try {
      return work.get();
    } finally {
      turns.release();
    }
  }

  /** How many may run at once. */
  public int size() {
    return size;
  }

  /** How many run now. */
  public int running() {
    return size - turns.availablePermits();
  }

  /** How many wait for a turn. */
  public int waiting() {
    return turns.getQueueLength();
  }
}
