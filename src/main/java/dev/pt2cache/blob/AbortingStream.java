package dev.pt2cache.blob;

import java.io.FilterInputStream;
import java.io.IOException;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * Aborts the HTTP exchange when closed before the end, instead of draining what is left (a client
 * that stops reading a 10 GB download must not make the service read the rest).
 */
final class AbortingStream extends FilterInputStream {

  private final ResponseInputStream<GetObjectResponse> response;
  private long left;

  AbortingStream(ResponseInputStream<GetObjectResponse> response, long length) {
    super(response);
    this.response = response;
    this.left = length;
  }

  @Override
  public int read() throws IOException {
    int b = super.read();
    if (b >= 0) {
      left--;
    }
    return b;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    int n = super.read(buffer, offset, length);
    if (n > 0) {
      left -= n;
    }
    return n;
  }

  @Override
  public void close() throws IOException {
    if (left > 0) {
      response.abort();
    }
    super.close();
  }
}
