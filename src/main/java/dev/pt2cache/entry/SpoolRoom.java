package dev.pt2cache.entry;

import dev.pt2cache.artifact.PayloadTooLargeException;
import dev.pt2cache.blob.ByteBudget;
import dev.pt2cache.blob.StorageBusyException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;

/**
 * The disk one spooled body holds: it refuses a body past {@code limit} (413), and takes room in
 * the instance's spool budget before each write, just for the bytes written, so that the room held
 * is what the file holds (rounded up to a KiB), never what a client declared. A body that holds
 * nothing yet waits up to {@code wait} for room; one that holds some never waits for more but is
 * {@code 503 storage-busy} at once, giving back what it held: bodies that waited while holding room
 * blocked each other when together they wanted more than the budget, each until its wait ran out
 * (the hold-and-wait that upload heads had, docs/adr/0036).
 */
final class SpoolRoom {

  private static final int KIB = 1024;
  private static final Duration NO_WAIT = Duration.ZERO;

  private final ByteBudget share;
  private final ByteBudget disk;
  private final long limit;
  private final Duration wait;
  private long written;
  private long heldKib;
  private long sharedKib;

  /**
   * @param share the namespace's share of {@code disk}, taken from first (docs/adr/0038); null for
   *     none
   */
  SpoolRoom(ByteBudget share, ByteBudget disk, long limit, Duration wait) {
    this.share = share;
    this.disk = disk;
    this.limit = limit;
    this.wait = wait;
  }

  /** {@code out}, each write of which takes its room first. */
  OutputStream guard(OutputStream out) {
    return new FilterOutputStream(out) {
      @Override
      public void write(int b) throws IOException {
        take(1);
        out.write(b);
      }

      @Override
      public void write(byte[] buffer, int offset, int length) throws IOException {
        take(length);
        out.write(buffer, offset, length);
      }
    };
  }

  private void take(int length) {
    if (written + length > limit) {
      throw new PayloadTooLargeException(written + length, limit);
    }
    long neededKib = (written + length + KIB - 1) / KIB;
    if (neededKib > heldKib) {
      int bytes = (int) ((neededKib - heldKib) * KIB);
      long deadline = System.nanoTime() + (heldKib == 0 ? wait : NO_WAIT).toNanos();
      // the namespace's share first, so a body past it waits among its own namespace's bodies,
      // never for the room that other namespaces' bodies wait for
      int shared = share == null ? 0 : share.take(bytes, left(deadline));
      if (share != null && shared == 0) {
        throw StorageBusyException.noSpoolShare();
      }
      int taken = disk.take(bytes, left(deadline));
      if (taken == 0) {
        giveShared(shared);
        throw StorageBusyException.noSpoolRoom();
      }
      sharedKib += shared;
      heldKib += taken;
    }
    written += length;
  }

  private static Duration left(long deadline) {
    return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
  }

  private void giveShared(int units) {
    if (share != null) {
      share.give(units);
    }
  }

  /** Gives back the room taken, once the file is gone. */
  void giveBack() {
    disk.give((int) heldKib);
    giveShared((int) sharedKib);
    heldKib = 0;
    sharedKib = 0;
  }
}
