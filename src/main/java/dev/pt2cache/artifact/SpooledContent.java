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

/**
 * A body whose digest the client did not declare, written to a local temporary file while it is
 * hashed, so that it can then be stored under its content address like any other upload. Bounded by
 * a size limit; the file is deleted on close.
 */
final class SpooledContent implements AutoCloseable {

  static final String PREFIX = "pt2cache-upload-";
  static final String SUFFIX = ".bin";

  /** This process, in each spool file's name, so that the next start knows which are left over. */
  private static final String OWNER = SpoolOwner.current().map(SpoolOwner::tag).orElse("");

  private final Path file;
  private final BlobExpectation expectation;

  private SpooledContent(Path file, BlobExpectation expectation) {
    this.file = file;
    this.expectation = expectation;
  }

  static SpooledContent of(InputStream in, long limit) throws IOException {
    Path file = Files.createTempFile(PREFIX + OWNER, SUFFIX);
    try {
      MessageDigest digest = Sha256.newDigest();
      long size;
      try (OutputStream out = new DigestOutputStream(Files.newOutputStream(file), digest)) {
        size = in.transferTo(new LimitedOutputStream(out, limit));
      }
      return new SpooledContent(file, new BlobExpectation(Sha256.hex(digest), size));
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(file);
      throw e;
    }
  }

  BlobExpectation expectation() {
    return expectation;
  }

  InputStream open() throws IOException {
    return Files.newInputStream(file);
  }

  @Override
  public void close() throws IOException {
    Files.deleteIfExists(file);
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
