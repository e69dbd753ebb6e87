package dev.pt2cache.problem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pt2cache.blob.CuttingRelay;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import dev.pt2cache.support.TestInfra;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Downloads that the store ends in the middle of their bodies: a store restarting, or one that
 * closes a connection whose reader, our client's, stopped taking bytes for its idle timeout (met in
 * a 20-minute soak with stalled readers: S3Proxy's Jetty ends such an answer after 30 s). Each
 * client sees its body end short, as before; the log tells of it once per window, as of any failure
 * that recurs (ADR 0027), not with two stack traces per download (the handler's and then Tomcat's
 * own, of the same exception).
 */
@ExtendWith(OutputCaptureExtension.class)
class CutDownloadsTest extends ServiceTest {

  private static final int DOWNLOADS = 4;

  private static CuttingRelay relay;

  @DynamicPropertySource
  static void throughTheRelay(DynamicPropertyRegistry registry) {
    registry.add("pt2cache.storage.endpoint", () -> relay().endpoint().toString());
  }

  @Test
  void shouldEndEachCutDownloadShortAndLogTheFailureOncePerWindow(CapturedOutput output)
      throws Exception {
    byte[] bytes = Fixtures.randomBytes(2 * 1024 * 1024);
    String url =
        uploadMegaCache(Descriptors.of(Descriptors.uniqueModel()), bytes)
            .json()
            .get("downloadUrl")
            .asString();
    int logged = output.length();

    relay().cut();
    try {
      for (int i = 0; i < DOWNLOADS; i++) {
        assertEndsShort(url, bytes.length);
      }
    } finally {
      relay().calm();
    }

    String log = output.toString().substring(logged);
    assertThat(log.split("Servlet.service\\(\\) for servlet", -1).length - 1)
        .as("Tomcat's own stack trace of each failure the service has logged")
        .isZero();
    assertThat(log.split("response failed after it began", -1).length - 1)
        .as("the failure logged once per window (10 s), with how often it recurred since")
        .isBetween(1, DOWNLOADS - 1);
    assertThat(metric("pt2cache_store_downloads_active", "[^}]*"))
        .as("no store connection held by the cut downloads")
        .isZero();
    assertThat(api.get(url).body()).as("served whole once the store is back").isEqualTo(bytes);
  }

  /** The body ends short of its length: the connection closes instead of completing it. */
  private void assertEndsShort(String url, int length) throws Exception {
    HttpResponse<InputStream> response =
        HttpClient.newHttpClient()
            .send(api.request(url).GET().build(), BodyHandlers.ofInputStream());
    assertThat(response.statusCode()).isEqualTo(200);
    try (InputStream body = response.body()) {
      byte[] received = new byte[length];
      assertThatThrownBy(() -> body.readNBytes(received, 0, length))
          .as("the body ends short of its length")
          .isInstanceOf(IOException.class);
    }
  }

  private static synchronized CuttingRelay relay() {
    if (relay == null) {
      try {
        relay =
            new CuttingRelay(
                URI.create(TestInfra.serviceEnvironment().get("PT2CACHE_S3_ENDPOINT")), 512 * 1024);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return relay;
  }

  @AfterAll
  static void closeRelay() throws IOException {
    if (relay != null) {
      relay.close();
      relay = null;
    }
  }
}
