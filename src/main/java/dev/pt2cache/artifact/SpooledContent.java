package dev.pt2cache.artifact;

import dev.pt2cache.blob.BlobExpectation;
import dev.pt2cache.system.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A body whose digest the client did not declare, written to a local temporary file while it is
 * hashed, so that it can then be stored under its content address like any other upload. Bounded by
 * a size limit; the file is deleted on close. A failure of that file (the disk full, read-only, its
 * directory gone) is a {@link SpoolUnavailableException}, never the client's {@link IOException}:
 * the body was read, the instance could not keep it.
 */
final class SpooledContent implements AutoCloseable {

  static final String PREFIX = "pt2cache-upload-";
  static final String SUFFIX = ".bin";

  /** This process, in each spool file's name, so that the next start knows which are left over. */
  private static final String OWNER = SpoolOwner.current().map(SpoolOwner::tag).orElse("");

  private static final Logger log = LoggerFactory.getLogger(SpooledContent.class);

  private final Path file;
  private final BlobExpectation expectation;

  private SpooledContent(Path file, BlobExpectation expectation) {
    this.file = file;
    this.expectation = expectation;
  }

  /**
   * Spools {@code in} to its end.
   *
   * @throws IOException when {@code in} could not be read to its end
   * @throws SpoolUnavailableException when the file could not be made or written
   */
  static SpooledContent of(InputStream in, long limit) throws IOException {
    Path file = create();
    try {
      MessageDigest digest = Sha256.newDigest();
      long size;
      try (OutputStream out = new DigestOutputStream(new DiskWrites(file), digest)) {
        size = in.transferTo(new LimitedOutputStream(out, limit));
      }
      return new SpooledContent(file, new BlobExpectation(Sha256.hex(digest), size));
    } catch (IOException | RuntimeException e) {
      delete(file, e);
      throw e;
    }
  }

  private static Path create() {
    try {
      return Files.createTempFile(PREFIX + OWNER, SUFFIX);
    } catch (IOException e) {
      throw new SpoolUnavailableException(e);
    }
  }

  /** Deletes a spool that failed; where that fails too (a disk gone read-only), says so with it. */
  private static void delete(Path file, Exception failure) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      failure.addSuppressed(e);
    }
  }

  BlobExpectation expectation() {
    return expectation;
  }

  /** The spooled bytes; a file that is gone (deleted under the instance) is the disk's failure. */
  InputStream open() {
    try {
      return Files.newInputStream(file);
    } catch (IOException e) {
      throw new SpoolUnavailableException(e);
    }
  }

  /**
   * Deletes the file. One that cannot be deleted (its disk turned read-only) is logged and left for
   * {@link SpoolSweeper}: the upload it served has its answer already.
   */
  @Override
  public void close() {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.warn("spool file {} not deleted: {}", file, e.toString());
    }
  }

  /** Writes to the spool file, whose failures are the disk's, not the client's. */
  private static final class DiskWrites extends java.io.FilterOutputStream {

    DiskWrites(Path file) {
      super(open(file));
    }

    private static OutputStream open(Path file) {
      try {
        return Files.newOutputStream(file);
      } catch (IOException e) {
        throw new SpoolUnavailableException(e);
      }
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
      try {
        out.close();
      } catch (IOException e) {
        throw new SpoolUnavailableException(e);
      }
    }
  }

  private static final class LimitedOutputStream extends java.io.FilterOutputStream {

    private final long limit;
    private long written;

    LimitedOutputStream(OutputStream out, long limit) {
      super(out);
      this.limit = limit;
    }

    @Override
    public void write(int b) throws IOException {
      ensureRoom(1);
      out.write(b);
    }

    @Override
    public void write(byte[] buffer, int offset, int length) throws IOException {
      ensureRoom(length);
      out.write(buffer, offset, length);
    }

    private void ensureRoom(int length) {
      written += length;
      if (written > limit) {
        throw new PayloadTooLargeException(written, limit);
      }
    }
  }
}
