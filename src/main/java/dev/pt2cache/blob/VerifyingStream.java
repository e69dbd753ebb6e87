package dev.pt2cache.blob;

import dev.pt2cache.system.Sha256;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.function.Supplier;

/**
 * A whole blob read from the store, hashed as it passes; the read that brings its last bytes hands
 * them over only once the SHA-256 is the recorded one, and throws the given exception instead when
 * it is not. A response that streams through it therefore ends short of its length, never whole,
 * when the stored bytes are not the content they are recorded as (docs/adr/0028).
 */
public final class VerifyingStream extends FilterInputStream {

  private final String sha256;
  private final Supplier<? extends RuntimeException> mismatch;
  private final MessageDigest digest = Sha256.newDigest();
  private long left;
  private boolean refused;

  public VerifyingStream(
      InputStream in, String sha256, long size, Supplier<? extends RuntimeException> mismatch) {
    super(in);
    this.sha256 = sha256;
    this.left = size;
    this.mismatch = mismatch;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    if (refused) {
      // once refused, always: a reader that went on would otherwise see -1, a clean end
      throw mismatch.get();
    }
    int n = super.read(buffer, offset, length);
    if (n <= 0) {
      return n;
    }
    digest.update(buffer, offset, n);
    left -= n;
    if (left <= 0 && (left < 0 || !Sha256.hex(digest).equals(sha256))) {
      refused = true;
      throw mismatch.get();
    }
    return n;
  }

  /** Skipped bytes are read, so that they are hashed too. */
  @Override
  public long skip(long n) throws IOException {
    byte[] discarded = new byte[(int) Math.min(Math.max(n, 0), 8192)];
    long skipped = 0;
    int read;
    while (skipped < n
        && (read = read(discarded, 0, (int) Math.min(discarded.length, n - skipped))) > 0) {
      skipped += read;
    }
    return skipped;
  }

  @Override
  public boolean markSupported() {
    return false;
  }
}
