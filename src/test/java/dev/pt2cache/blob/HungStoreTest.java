package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

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

  private static StorageProperties withControlTimeout(int port, Duration timeout) {
    StorageProperties base =
        TestStorage.properties(
            URI.create("http://127.0.0.1:" + port), false, null, DataSize.ofMegabytes(6));
    return TestStorage.withTimeouts(base, timeout, base.stallTimeout());
  }
}
