package dev.pt2cache.blob;

import java.io.IOException;
import java.io.InputStream;
import software.amazon.awssdk.http.ContentStreamProvider;

/**
 * The body of one streamed {@code PutObject}: the client's bytes passed on as they arrive, hashed
 * on the way, with the last of them held back until size and digest have checked out (ADR 0013).
 *
 * <p>The read that takes the final declared bytes from the client confirms the digest (and that
 * nothing follows) before it hands them on. When they do not match, it fails instead, and the HTTP
 * client abandons the request with fewer bytes sent than its {@code Content-Length}. No S3 server
 * makes an object of a request whose body never arrived in full, so a wrong upload is never visible
 * under its content address, and nothing waits in memory for the check.
 *
 * <p>The body can be sent once only: a second stream, asked for by a retry after bytes have gone,
 * fails at once. What made the send fail is kept for the caller ({@link #failure()}), since the
 * HTTP client wraps it.
 */
final class HeldBackBody implements ContentStreamProvider {

  private final VerifyingReader reader;
  private final Stream stream = new Stream();
  private Exception failure;

  HeldBackBody(VerifyingReader reader) {
    this.reader = reader;
  }

  @Override
  public synchronized InputStream newStream() {
    if (!stream.started) {
      return stream;
    }
    return new InputStream() {
      @Override
      public int read() throws IOException {
        throw new IOException("a streamed upload's body cannot be sent twice");
      }
    };
  }

  @Override
  public String name() {
    return "HeldBack";
  }

  /** Why reading the client's bytes failed, if it did: a mismatch or the client's I/O error. */
  synchronized Exception failure() {
    return failure;
  }

  private synchronized IOException failed(Exception cause) {
    failure = cause;
    return new IOException("the upload's body was refused: " + cause.getMessage(), cause);
  }

  private final class Stream extends InputStream {

    private boolean started;

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      if (length == 0) {
        return 0;
      }
      synchronized (HeldBackBody.this) {
        started = true;
        if (failure != null) {
          throw new IOException("the upload's body was refused already", failure);
        }
      }
      if (reader.remaining() == 0) {
        return -1;
      }
      try {
        int n = reader.readChunk(buffer, offset, length);
        if (reader.remaining() == 0) {
          reader.finish(); // before the last bytes leave
        }
        return n;
      } catch (IOException | RuntimeException e) {
        throw failed(e);
      }
    }
  }
}
