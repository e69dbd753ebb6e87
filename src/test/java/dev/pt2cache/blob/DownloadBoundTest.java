package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.pt2cache.support.DockerWhenContainers;
import dev.pt2cache.support.GeneratedContent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.util.unit.DataSize;

/**
 * A download waits for the store to begin answering as long as a control request may take ({@code
 * control-timeout}), retries included, and no longer: a review that stopped the store (SIGSTOP) for
 * 150 s saw a download answered {@code 503} after 121 s, four attempts of the HTTP client's 30 s
 * socket timeout, while readiness had said down after 5 s. Once the store answers, the body is the
 * client's to read at its own pace: the bound does not end it.
 */
@ExtendWith(DockerWhenContainers.class)
@Tag("integration")
class DownloadBoundTest {

  private static final Duration BOUND = Duration.ofMillis(500);

  @Test
  void shouldAnswerUnavailableWhenTheStoreDoesNotBeginToAnswerADownload() throws Exception {
    // listening, never accepting: the kernel completes the handshakes, nothing ever replies
    try (ServerSocket hung = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      StorageProperties properties =
          bounded(
              TestStorage.properties(
                  URI.create("http://127.0.0.1:" + hung.getLocalPort()),
                  false,
                  null,
                  DataSize.ofMegabytes(6)));
      try (StoreClients clients =
          new S3StorageConfiguration().storeClients(properties, new SimpleMeterRegistry())) {
        S3BlobStore store = new S3BlobStore(clients, properties);

        assertTimeoutPreemptively(
            Duration.ofSeconds(20),
            () ->
                assertThatThrownBy(() -> store.get("0".repeat(64), null))
                    .isInstanceOf(StorageUnavailableException.class));
      }
    }
  }

  @Test
  void shouldNotEndADownloadWhoseClientReadsLongerThanTheBound() throws Exception {
    TestStorage.createBucket();
    StorageProperties properties =
        bounded(TestStorage.properties(false, null, DataSize.ofMegabytes(64)));
    long size = 4L << 20;
    long seed = System.nanoTime();
    BlobExpectation expected = new BlobExpectation(GeneratedContent.sha256(seed, size), size);
    try (StoreClients clients =
        new S3StorageConfiguration().storeClients(properties, new SimpleMeterRegistry())) {
      S3BlobStore store = new S3BlobStore(clients, properties);
      store.put(expected, new GeneratedContent(seed, size));

      try {
        BlobContent content = store.get(expected.sha256(), null).orElseThrow();
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        long started = System.nanoTime();
        try (InputStream in = content.stream()) {
          byte[] chunk = new byte[64 * 1024];
          for (int n = in.read(chunk); n >= 0; n = in.read(chunk)) {
            sha256.update(chunk, 0, n);
            Thread.sleep(30); // 64 chunks: about 2 s, four times the bound
          }
        }

        assertThat(Duration.ofNanos(System.nanoTime() - started))
            .isGreaterThan(BOUND.multipliedBy(3));
        assertThat(HexFormat.of().formatHex(sha256.digest())).isEqualTo(expected.sha256());
      } finally {
        // a blob the database does not record would make a later service think the bucket foreign
        store.delete(expected.sha256());
      }
    }
  }

  private static StorageProperties bounded(StorageProperties base) {
    return TestStorage.withTimeouts(base, BOUND, base.stallTimeout());
  }
}
