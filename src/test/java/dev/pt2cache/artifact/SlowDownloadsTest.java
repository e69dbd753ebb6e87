package dev.pt2cache.artifact;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.EmbeddedInfra;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Downloads hold a store connection for as long as their clients take to read. When slow clients
 * hold every connection the downloads have, the instance stays ready and keeps answering lookups
 * and uploads, and a download beyond the bound gets a retryable {@code 503 storage-busy} instead of
 * an error that blames the store (docs/adr/0014). Downloads of at most 256 KiB, read whole over
 * connections of their own, are still served (docs/adr/0036). Before, a node fleet starting at once
 * took the connections that the readiness check needed, and the instance reported itself down.
 */
class SlowDownloadsTest extends ServiceTest {

  /** More than the loopback socket buffers between the store, the service and a client hold. */
  static final int SIZE = 24 << 20;

  @LocalServerPort int port;

  @Value("${pt2cache.storage.max-connections}")
  int downloadConnections;

  @Value("${pt2cache.storage.connection-wait}")
  Duration connectionWait;

  @Test
  void shouldStayReadyAndAnswerBusyWhenSlowClientsHoldEveryDownloadConnection() throws Exception {
    byte[] bytes = Fixtures.randomBytes(SIZE);
    String download =
        uploadMegaCache(Descriptors.of(Descriptors.uniqueModel()), bytes)
            .json()
            .get("downloadUrl")
            .asString();

    byte[] small = Fixtures.randomBytes(4096);
    String smallDownload =
        uploadMegaCache(Descriptors.of(Descriptors.uniqueModel()), small)
            .json()
            .get("downloadUrl")
            .asString();
    String entry = path("/entries/fx-graph/small-" + UUID.randomUUID());
    assertThat(api.putBytes(entry, small).status()).isEqualTo(201);

    List<Socket> stalled = new ArrayList<>();
    try {
      for (int i = 0; i < downloadConnections; i++) {
        stalled.add(stalledDownload(download));
      }

      assertThat(metric("pt2cache_store_downloads_active", "[^}]*"))
          .as("the saturation an operator sees")
          .isEqualTo(downloadConnections);

      double retried = counted("pt2cache.store.retries", "operation", "GetObject");
      long asked = System.nanoTime();
      ApiResponse beyond = api.get(download);
      Duration waited = Duration.ofNanos(System.nanoTime() - asked);
      assertProblem(beyond, 503, "storage-busy");
      assertThat(beyond.header("Retry-After")).isNotBlank();
      // one wait of connection-wait (2 s here), not one per attempt of the SDK's retries: counted,
      // not timed, so that a loaded machine neither fails it nor hides a retry
      assertThat(counted("pt2cache.store.retries", "operation", "GetObject"))
          .as("GetObject attempts made again while every download connection was taken")
          .isEqualTo(retried);
      System.out.printf(
          "busy answered after %d ms (connection-wait %d ms)%n",
          waited.toMillis(), connectionWait.toMillis());

      // small ones are read whole over connections of their own: a warm start's entries are
      // served while large downloads hold every download connection
      for (String smallOne : List.of(smallDownload, entry)) {
        ApiResponse served = api.get(smallOne);
        assertThat(served.status()).as(smallOne + ": " + served.text()).isEqualTo(200);
        assertThat(served.body()).isEqualTo(small);
      }
      assertThat(api.get("/actuator/prometheus").text())
          .contains("pt2cache_store_downloads_small_bytes");
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(metric("pt2cache_store_downloads_small_bytes", "[^}]*"))
                      .as("the heap they held, given back once served")
                      .isZero());

      ApiResponse readiness = api.get("/actuator/health/readiness");
      assertThat(readiness.status()).as(readiness.text()).isEqualTo(200);
      assertThat(readiness.json().at("/components/storage/status").asString()).isEqualTo("UP");

      String descriptor = Descriptors.of(Descriptors.uniqueModel());
      ApiResponse uploaded = uploadMegaCache(descriptor, Fixtures.randomBytes(1 << 20));
      assertThat(uploaded.json().get("state").asString()).isEqualTo("ready");
      ApiResponse hit =
          api.postJson(path("/lookups"), Descriptors.lookup("mega-cache", descriptor));
      assertThat(hit.json().get("hit").asBoolean()).as(hit.text()).isTrue();
    } finally {
      for (Socket socket : stalled) {
        socket.close();
      }
    }

    // the stalled downloads give their connections back once their clients are gone
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              ApiResponse again = api.get(download);
              assertThat(again.status()).as(again.text()).isEqualTo(200);
              assertThat(Fixtures.sha256(again.body())).isEqualTo(Fixtures.sha256(bytes));
            });
  }

  /**
   * A client that asks for the content, reads the status line and then nothing more: the service
   * has opened the stored object, and its send stalls once the socket buffers are full.
   */
  private Socket stalledDownload(String path) throws IOException {
    Socket socket = new Socket();
    socket.setReceiveBufferSize(4096);
    socket.connect(new InetSocketAddress("127.0.0.1", port));
    OutputStream out = socket.getOutputStream();
    out.write(
        ("GET "
                + path
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                + EmbeddedInfra.ADMIN_TOKEN
                + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    String status = statusLine(socket.getInputStream());
    assertThat(status).startsWith("HTTP/1.1 200");
    return socket;
  }

  private static String statusLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
      line.append((char) c);
    }
    return line.toString().trim();
  }
}
