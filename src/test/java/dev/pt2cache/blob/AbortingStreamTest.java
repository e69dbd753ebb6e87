package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

class AbortingStreamTest {

  final AtomicInteger permitsGivenBack = new AtomicInteger();
  final AtomicBoolean aborted = new AtomicBoolean();

  @Test
  void shouldGiveTheDownloadsPermitBackOnceHoweverOftenItIsClosed() throws IOException {
    AbortingStream stream = stream(new byte[1000]);
    stream.transferTo(OutputStream.nullOutputStream());

    stream.close();
    stream.close();

    assertThat(permitsGivenBack).hasValue(1);
    assertThat(aborted).isFalse();
  }

  @Test
  void shouldAbortAndStillGiveThePermitBackWhenClosedBeforeTheEnd() throws IOException {
    AbortingStream stream = stream(new byte[1000]);
    stream.readNBytes(10);

    stream.close();

    assertThat(aborted).isTrue();
    assertThat(permitsGivenBack).hasValue(1);
  }

  /** A store that ends a download early is unavailable, not an unexpected failure (500). */
  @Test
  void shouldCallAFailedReadTheStoresFailure() {
    ResponseInputStream<GetObjectResponse> response =
        new ResponseInputStream<>(
            GetObjectResponse.builder().contentLength(1000L).build(),
            AbortableInputStream.create(
                new java.io.InputStream() {
                  @Override
                  public int read() throws IOException {
                    throw new IOException("Premature end of Content-Length delimited message body");
                  }
                },
                () -> aborted.set(true)));
    AbortingStream stream = new AbortingStream(response, 1000, permitsGivenBack::incrementAndGet);

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> stream.read(new byte[10], 0, 10))
        .isInstanceOf(StorageUnavailableException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(stream::read)
        .isInstanceOf(StorageUnavailableException.class);
  }

  private AbortingStream stream(byte[] content) {
    ResponseInputStream<GetObjectResponse> response =
        new ResponseInputStream<>(
            GetObjectResponse.builder().contentLength((long) content.length).build(),
            AbortableInputStream.create(
                new ByteArrayInputStream(content), () -> aborted.set(true)));
    return new AbortingStream(response, content.length, permitsGivenBack::incrementAndGet);
  }
}
