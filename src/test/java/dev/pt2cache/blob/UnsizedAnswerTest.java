package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A store (or a proxy before it) that answers a read with a chunked body and no {@code
 * Content-Length}: the service cannot say how many bytes it will send, nor check the object's size
 * against the recorded one before it sends any (ADR 0028), so the read is the store failing, said
 * in words, and the store connection it took is let go at once instead of staying leased.
 */
class UnsizedAnswerTest {

  private HttpServer store;

  @BeforeEach
  void startStore() throws IOException {
    store = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    store.createContext(
        "/",
        exchange -> {
          exchange.getResponseHeaders().add("ETag", "\"0123456789abcdef0123456789abcdef\"");
          exchange.getResponseHeaders().add("Last-Modified", "Sat, 05 Dec 2026 01:00:00 GMT");
          exchange.getResponseHeaders().add("Content-Type", "application/octet-stream");
          // 0: the body goes chunked, without Content-Length
          exchange.sendResponseHeaders(200, 0);
          try (OutputStream body = exchange.getResponseBody()) {
            body.write("some bytes of an artifact".getBytes(StandardCharsets.US_ASCII));
          }
        });
    store.start();
  }

  @AfterEach
  void stopStore() {
    store.stop(0);
  }

  @Test
  void shouldCallAReadWithoutContentLengthTheStoreFailingAndLetItsConnectionGo() {
    StorageProperties onePooled =
        TestStorage.withConnections(
            TestStorage.properties(
                URI.create("http://127.0.0.1:" + store.getAddress().getPort()),
                false,
                null,
                DataSize.ofMegabytes(6)),
            1,
            Duration.ofMillis(500));
    try (S3Client s3 = S3StorageConfiguration.clientBuilder(onePooled).build()) {
      S3BlobStore blobs = new S3BlobStore(StoreClients.sharing(s3), onePooled);

      // more reads than the pool has connections: a leased one left behind makes the next busy
      for (int read = 0; read < 3; read++) {
        assertThatThrownBy(() -> blobs.get("0".repeat(64), null))
            .isInstanceOf(StorageUnavailableException.class)
            .hasMessageContaining("without Content-Length");
      }
      // a small download, read whole, falls back to the large way and is refused alike (it failed
      // on unboxing the missing length: a NullPointerException, 500 internal-error)
      BlobExpectation small = new BlobExpectation("0".repeat(64), 25);
      assertThatThrownBy(() -> blobs.get(small, null))
          .isInstanceOf(StorageUnavailableException.class)
          .hasMessageContaining("without Content-Length");
    }
  }
}
