package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A store that takes connections and never answers (a stopped process, a dropped route): the
 * control requests give up after {@code control-timeout}, so readiness goes down and a commit's
 * existence check lets go of its locks, instead of waiting for the store's return. Without the
 * bound, each attempt waits for the HTTP client's 30 s socket timeout, and is retried.
 */
class HungStoreTest {

  @Test
  void shouldAnswerUnavailableWhenTheStoreDoesNotAnswerControlRequests() throws IOException {
    // listening, never accepting: the kernel completes the handshakes, nothing ever replies
    try (ServerSocket hung = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        StoreClients clients =
            new S3StorageConfiguration()
                .storeClients(
                    withControlTimeout(hung.getLocalPort(), Duration.ofMillis(500)),
                    new SimpleMeterRegistry())) {
      S3BlobStore store =
          new S3BlobStore(clients, withControlTimeout(hung.getLocalPort(), Duration.ofMillis(500)));

      assertTimeoutPreemptively(
          Duration.ofSeconds(20),
          () -> {
            assertThatThrownBy(store::checkAvailable)
                .isInstanceOf(StorageUnavailableException.class);
            assertThatThrownBy(() -> store.exists("0".repeat(64)))
                .isInstanceOf(StorageUnavailableException.class);
          });
    }
  }

  /**
   * A store that takes an upload's every byte and never answers (stopped once the body was in its
   * socket's buffer): the request ends at the HTTP client's socket timeout, once. The SDK retried
   * it, sending the body again, which the stall guard counted as progress: a review that stopped
   * the store saw uploads and entries answered after 120 s, four attempts of 30 s, with a 60 s
   * stall timeout.
   */
  @Test
  void shouldEndAnUploadTheStoreTookButNeverAnsweredAtTheFirstSocketTimeout() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        S3Client uploads =
            S3Client.builder()
                .region(Region.US_EAST_1)
                .endpointOverride(URI.create("http://127.0.0.1:" + silent.getLocalPort()))
                .forcePathStyle(true)
                .credentialsProvider(
                    StaticCredentialsProvider.create(AwsBasicCredentials.create("a", "b")))
                .httpClientBuilder(
                    StallGuard.around(
                        Apache5HttpClient.builder().socketTimeout(Duration.ofMillis(500)),
                        Duration.ofSeconds(60)))
                .build()) {
      Thread taker = new Thread(() -> takeEverythingAndNeverAnswer(silent, attempts));
      taker.setDaemon(true);
      taker.start();

      assertTimeoutPreemptively(
          Duration.ofSeconds(20),
          () ->
              assertThatThrownBy(
                      () ->
                          uploads.putObject(
                              b -> b.bucket("pt2cache").key("k"),
                              RequestBody.fromBytes(new byte[64 * 1024])))
                  .isInstanceOf(SdkClientException.class)
                  .hasMessageContaining("no answer"));
      assertThat(attempts.get()).as("requests the store was sent").isEqualTo(1);
    }
  }

  /** Reads each connection to its end, on a thread of its own, and answers nothing. */
  private static void takeEverythingAndNeverAnswer(ServerSocket server, AtomicInteger attempts) {
    while (!server.isClosed()) {
      try {
        Socket connection = server.accept();
        attempts.incrementAndGet();
        Thread reader =
            new Thread(
                () -> {
                  try (InputStream in = connection.getInputStream()) {
                    in.transferTo(OutputStream.nullOutputStream());
                  } catch (IOException closed) {
                    // the client gave up
                  }
                });
        reader.setDaemon(true);
        reader.start();
      } catch (IOException closed) {
        return;
      }
    }
  }

  private static StorageProperties withControlTimeout(int port, Duration timeout) {
    StorageProperties base =
        TestStorage.properties(
            URI.create("http://127.0.0.1:" + port), false, null, DataSize.ofMegabytes(6));
    return TestStorage.withTimeouts(base, timeout, base.stallTimeout());
  }
}
