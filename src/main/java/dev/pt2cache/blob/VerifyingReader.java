package dev.pt2cache.blob;

import dev.pt2cache.blob.ContentMismatchException.Mismatch;
import dev.pt2cache.system.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * Reads exactly the declared number of bytes from a stream, hashing them as they pass, and checks
 * at the end that the stream held no more and that the SHA-256 is the declared one. Nothing here
 * buffers more than the chunk the caller hands in.
 */
public final class VerifyingReader {

  private final InputStream in;
  private final BlobExpectation expected;
  private final MessageDigest digest;
  private long received;

  public VerifyingReader(InputStream in, BlobExpectation expected) {
    this.in = in;
    this.expected = expected;
    this.digest = Sha256.newDigest();
  }

  /** Reads up to {@code buffer.length} bytes, never past the declared size; 0 once all arrived. */
  public int readChunk(byte[] buffer) throws IOException {
    return readChunk(buffer, 0, buffer.length);
  }

  /** Reads up to {@code length} bytes into {@code buffer} from {@code offset}, likewise. */
  public int readChunk(byte[] buffer, int offset, int length) throws IOException {
    int wanted = (int) Math.min(length, expected.sizeBytes() - received);
    int n = in.readNBytes(buffer, offset, wanted);
    if (n < wanted) {
      throw new ContentMismatchException(
          Mismatch.SIZE,
          "declared %d bytes, received %d".formatted(expected.sizeBytes(), received + n));
    }
    digest.update(buffer, offset, n);
    received += n;
    return n;
  }

  /**
   * Counts and hashes {@code bytes} as the next ones of the stream, which a caller read from it
   * ahead of this reader and holds itself (a multipart upload's first part, {@link ChunkedBuffer}).
   */
  void readAhead(byte[] bytes) {
    if (bytes.length > remaining()) {
      throw new IllegalStateException("more bytes ahead than declared");
    }
    digest.update(bytes);
    received += bytes.length;
  }

  public long remaining() {
    return expected.sizeBytes() - received;
  }

  /** Confirms that nothing follows the declared bytes and that their digest is the declared one. */
  public void finish() throws IOException {
    if (remaining() > 0) {
      throw new IllegalStateException("finish() before all declared bytes were read");
    }
    if (in.read() != -1) {
      throw new ContentMismatchException(
          Mismatch.SIZE, "declared %d bytes, received more".formatted(expected.sizeBytes()));
    }
    String actual = Sha256.hex(digest);
    if (!actual.equals(expected.sha256())) {
      throw new ContentMismatchException(
          Mismatch.DIGEST,
          "declared sha256 %s, received content has sha256 %s"
              .formatted(expected.sha256(), actual));
    }
  }

  /** Reads and checks the whole stream without storing it. */
  public static void verify(InputStream in, BlobExpectation expected) throws IOException {
    VerifyingReader reader = new VerifyingReader(in, expected);
    byte[] buffer = new byte[64 * 1024];
    while (reader.remaining() > 0) {
      reader.readChunk(buffer);
    }
    reader.finish();
  }
}
