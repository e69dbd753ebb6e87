package dev.pt2cache.blob;

import java.io.FilterInputStream;
import java.io.IOException;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * Aborts the HTTP exchange when closed before the end, instead of draining what is left (a client
 * that stops reading a 10 GB download must not make the service read the rest), and gives the
 * download's permit back once, when closed. A read the store fails is the store's failure.
 */
final class AbortingStream extends FilterInputStream {

  private final ResponseInputStream<GetObjectResponse> response;
  private final Runnable onClose;
  private long left;
  private boolean closed;

  AbortingStream(ResponseInputStream<GetObjectResponse> response, long length, Runnable onClose) {
    super(response);
    this.response = response;
    this.left = length;
    this.onClose = onClose;
  }

  @Override
  public int read() throws IOException {
    int b;
    try {
      b = super.read();
    } catch (IOException e) {
      throw unavailable(e);
    }
    if (b >= 0) {
      left--;
    }
    return b;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) {
    int n;
    try {
      n = super.read(buffer, offset, length);
    } catch (IOException e) {
      throw unavailable(e);
    }
    if (n > 0) {
      left -= n;
    }
    return n;
  }

  /**
   * The store ended or stalled the download midway. Said as the store's failure, so that a client
   * not yet answered hears {@code 503} with {@code Retry-After} rather than {@code 500}; one
   * already sent bytes has its connection closed, short of the length it was promised.
   */
  private static StorageUnavailableException unavailable(IOException e) {
    return new StorageUnavailableException("reading a blob from the store failed: " + e, e);
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (left > 0) {
        response.abort();
      }
      super.close();
    } finally {
      onClose.run();
    }
  }
}
