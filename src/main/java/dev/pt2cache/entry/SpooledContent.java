package dev.pt2cache.entry;

import dev.pt2cache.blob.BlobExpectation;
import dev.pt2cache.blob.ByteBudget;
import dev.pt2cache.system.Sha256;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A body whose digest the client did not declare, written to a local temporary file while it is
 * hashed, so that it can then be stored under its content address like any other upload. Bounded by
 * a size limit; the file is deleted on close. Each write first takes its room on the disk from the
 * instance's spool budget ({@code PT2CACHE_SPOOL_DISK}), which the file holds until it is deleted:
 * a client that stopped after a few KB holds those KB and nothing that another body needs ({@link
 * SpoolRoom}, docs/adr/0036). A failure of that file (the disk full, read-only, its directory gone)
 * is a {@link SpoolUnavailableException}, never the client's {@link IOException}: the body was
 * read, the instance could not keep it.
 *
 * <p>The writer holds an exclusive lock on the file (a POSIX record lock, which the kernel drops
 * when the process ends, however it ends) from its creation until it is deleted, so that {@link
 * SpoolSweeper} tells a file whose writer is gone from one still in use by any process on the host,
 * in any PID namespace (docs/adr/0035).
 */
final class SpooledContent implements AutoCloseable {

  static final String PREFIX = "pt2cache-upload-";
  static final String SUFFIX = ".bin";

  /** After the prefix: a file whose writer holds its lock while it exists. */
  static final String LOCKED = "locked-";

  /**
   * This process (pid and start), after {@link #LOCKED}, so that the sweeper leaves this process's
   * own files alone: opening and closing one here would drop the lock this process holds on it.
   */
  static final String OWNER =
      ProcessHandle.current()
          .info()
          .startInstant()
          .map(at -> ProcessHandle.current().pid() + "-" + at.toEpochMilli() + "-")
          .orElse("");

  /**
   * Where spool files go: the JVM's temporary directory, which {@link Files#createTempFile(String,
   * String, java.nio.file.attribute.FileAttribute[])} reads once per JVM, named here so that the
   * sweeper and tests name the same one.
   */
  static final Path DIRECTORY = Path.of(System.getProperty("java.io.tmpdir"));

  private static final Logger log = LoggerFactory.getLogger(SpooledContent.class);

  private final Path file;
  private final FileChannel channel;
  private final BlobExpectation expectation;
  private final SpoolRoom room;

  private SpooledContent(
      Path file, FileChannel channel, BlobExpectation expectation, SpoolRoom room) {
    this.file = file;
    this.channel = channel;
    this.expectation = expectation;
    this.room = room;
  }

  /**
   * Spools {@code in} to its end, each write taking its room in {@code disk} first; no room ends
   * the spool busy, within {@code wait} for its first write and at once for a later one ({@link
   * SpoolRoom}).
   *
   * @throws IOException when {@code in} could not be read to its end
   * @throws SpoolUnavailableException when the file could not be made or written
   * @throws PayloadTooLargeException when {@code in} holds more than {@code limit} bytes
   */
  static SpooledContent of(InputStream in, long limit, ByteBudget disk, Duration wait)
      throws IOException {
    return of(DIRECTORY, in, limit, null, disk, wait);
  }

  /**
   * As {@link #of(InputStream, long, ByteBudget, Duration)}, each write taking its room in the
   * namespace's {@code share} of the disk too (docs/adr/0038).
   */
  static SpooledContent of(
      InputStream in, long limit, ByteBudget share, ByteBudget disk, Duration wait)
      throws IOException {
    return of(DIRECTORY, in, limit, share, disk, wait);
  }

  /** As {@link #of(InputStream, long, ByteBudget, Duration)}, in {@code directory}. */
  static SpooledContent of(
      Path directory, InputStream in, long limit, ByteBudget disk, Duration wait)
      throws IOException {
    return of(directory, in, limit, null, disk, wait);
  }

  private static SpooledContent of(
      Path directory, InputStream in, long limit, ByteBudget share, ByteBudget disk, Duration wait)
      throws IOException {
    SpoolRoom room = new SpoolRoom(share, disk, limit, wait);
    Path file = create(directory);
    FileChannel channel = null;
    try {
      channel = lockedChannel(file);
      MessageDigest digest = Sha256.newDigest();
      long size;
      try (OutputStream out = new DigestOutputStream(new DiskWrites(channel), digest)) {
        size = in.transferTo(room.guard(out));
      }
      return new SpooledContent(file, channel, new BlobExpectation(Sha256.hex(digest), size), room);
    } catch (IOException | RuntimeException e) {
      delete(file, e);
      closeQuietly(channel);
      room.giveBack();
      throw e;
    }
  }

  private static Path create(Path directory) {
    try {
      return Files.createTempFile(directory, PREFIX + LOCKED + OWNER, SUFFIX);
    } catch (IOException e) {
      throw new SpoolUnavailableException(e);
    }
  }

  /**
   * The file, open to write and read back, locked. A file system without locks leaves it unlocked:
   * the sweeper, which cannot lock it either, then waits for it to be untouched for a day.
   */
  private static FileChannel lockedChannel(Path file) {
    FileChannel channel;
    try {
      channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new SpoolUnavailableException(e);
    }
    try {
      channel.lock();
    } catch (IOException e) {
      log.debug("spool file {} not locked: {}", file, e.toString());
    }
    return channel;
  }

  /** Deletes a spool that failed; where that fails too (a disk gone read-only), says so with it. */
  private static void delete(Path file, Exception failure) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      failure.addSuppressed(e);
    }
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel == null) {
      return;
    }
    try {
      channel.close();
    } catch (IOException e) {
      log.debug("spool file not closed: {}", e.toString());
    }
  }

  BlobExpectation expectation() {
    return expectation;
  }

  /**
   * The spooled bytes from the start, read through the file's own channel, which stays open (and
   * the file locked) when the stream is closed; a read the disk fails is the disk's failure.
   */
  InputStream open() {
    try {
      channel.position(0);
    } catch (IOException e) {
      throw new SpoolUnavailableException(e);
    }
    return new FilterInputStream(Channels.newInputStream(channel)) {
      @Override
      public void close() {
        // the channel is the spool's, closed with it
      }
    };
  }

  /**
   * Deletes the file, then closes it, which lets its lock go. One that cannot be deleted (its disk
   * turned read-only) is logged and left for {@link SpoolSweeper}: the upload it served has its
   * answer already.
   */
  @Override
  public void close() {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.warn("spool file {} not deleted: {}", file, e.toString());
    }
    closeQuietly(channel);
    room.giveBack();
  }

  /**
   * Writes to the spool file, whose failures are the disk's, not the client's. Closing it flushes
   * and leaves the channel open, for the bytes to be read back.
   */
  private static final class DiskWrites extends java.io.FilterOutputStream {

    DiskWrites(FileChannel channel) {
      super(Channels.newOutputStream(channel));
    }

    @Override
    public void write(int b) {
      try {
        out.write(b);
      } catch (IOException e) {
        throw new SpoolUnavailableException(e);
      }
    }

    @Override
    public void write(byte[] buffer, int offset, int length) {
      try {
        out.write(buffer, offset, length);
      } catch (IOException e) {
        throw new SpoolUnavailableException(e);
      }
    }

    @Override
    public void flush() {
      try {
        out.flush();
      } catch (IOException e) {
        throw new SpoolUnavailableException(e);
      }
    }

    @Override
    public void close() {
      flush();
    }
  }
}
