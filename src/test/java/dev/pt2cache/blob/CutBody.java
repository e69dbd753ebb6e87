package dev.pt2cache.blob;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** A client's body that breaks off, as a connection the client reset does. */
final class CutBody {

  private CutBody() {}

  /** {@code in} for its first {@code limit} bytes, then an {@link IOException}. */
  static InputStream failingAfter(InputStream in, long limit) {
    return new FilterInputStream(in) {
      long passed;

      @Override
      public int read(byte[] buffer, int offset, int length) throws IOException {
        if (passed >= limit) {
          throw new IOException("connection reset by the client");
        }
        int n = super.read(buffer, offset, (int) Math.min(length, limit - passed));
        passed += Math.max(n, 0);
        return n;
      }
    };
  }
}
