package dev.pt2cache.problem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pt2cache.blob.BlobContent;
import dev.pt2cache.blob.BlobStore;
import dev.pt2cache.blob.CuttingRelay;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.EmbeddedInfra;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import dev.pt2cache.support.TestInfra;
import jakarta.servlet.http.HttpServletResponse;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Downloads that the store ends in the middle of their bodies: a store restarting, or one that
 * closes a connection whose reader, our client's, stopped taking bytes for its idle timeout (met in
 * a 20-minute soak with stalled readers: S3Proxy's Jetty ends such an answer after 30 s). Each
 * client sees its body end short, as before; the log tells of it once per window, as of any failure
 * that recurs (ADR 0027), not with two stack traces per download (the handler's and then Tomcat's
 * own, of the same exception).
 */
@ExtendWith(OutputCaptureExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CutDownloadsTest extends ServiceTest {

  private static final int DOWNLOADS = 4;

  private static CuttingRelay relay;

  @DynamicPropertySource
  static void throughTheRelay(DynamicPropertyRegistry registry) {
    registry.add("pt2cache.storage.endpoint", () -> relay().endpoint().toString());
  }

  /** First: it counts the log's lines from a window of its own, which a later test's cut opens. */
  @Test
  @Order(1)
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
    assertThat(log.lines().filter(line -> line.contains("response failed after it began")))
        .as("the store's failure logged, not the servlet's wrapper around it")
        .allMatch(line -> line.contains("StorageUnavailableException"))
        .noneMatch(line -> line.contains("ServletException"));
    assertThat(metric("pt2cache_store_downloads_active", "[^}]*"))
        .as("no store connection held by the cut downloads")
        .isZero();
    assertThat(api.get(url).body()).as("served whole once the store is back").isEqualTo(bytes);
  }

  @Test
  void shouldRecordTheStoresFailureInTheRequestMetrics() throws Exception {
    cutDownload();
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(contentRequests())
                    .as("http_server_requests of the cut download, by its exception tag")
                    .contains("exception=\"StorageUnavailableException\""));
  }

  /** The most common way a download ends early: its client goes away in the middle. */
  @Test
  void shouldLogAClientThatWentAwayAtDebugOnly(CapturedOutput output) throws Exception {
    String url = stored(Fixtures.randomBytes(16 * 1024 * 1024));
    double before = internalErrors();
    int logged = output.length();
    try (Socket client = new Socket("127.0.0.1", port())) {
      client.setReceiveBufferSize(64 * 1024);
      client
          .getOutputStream()
          .write(
              ("GET "
                      + url
                      + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                      + EmbeddedInfra.ADMIN_TOKEN
                      + "\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      client.getInputStream().readNBytes(256 * 1024);
      client.setSoLinger(true, 0); // a reset, as a killed process leaves
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(output.toString().substring(logged))
                    .as("the download's access line")
                    .contains("GET " + url + " -> 200"));
    String log = output.toString().substring(logged);
    assertThat(internalErrors()).as("a client gone is no bug").isEqualTo(before);
    assertThat(log)
        .doesNotContain("response failed after it began")
        .doesNotContain("\"level\":\"ERROR\"");
  }

  /**
   * A failure after the response began that is no store's (a bug in a stream, say) is logged in
   * full each time, as an unexpected failure before it is: counted within a store failure's window,
   * it went unseen while the store failed too.
   */
  @Test
  void shouldLogEachUnexpectedFailureAfterTheResponseBeganInFull(CapturedOutput output)
      throws Exception {
    cutDownload(); // the store's failure, logged once per window
    int logged = output.length();
    for (int i = 0; i < 2; i++) {
      HttpResponse<InputStream> response =
          HttpClient.newHttpClient()
              .send(api.request(FailsAfterCommit.PATH).GET().build(), BodyHandlers.ofInputStream());
      try (InputStream body = response.body()) {
        assertThatThrownBy(body::readAllBytes).isInstanceOf(IOException.class);
      }
    }
    String log = output.toString().substring(logged);
    assertThat(
            log.lines()
                .filter(line -> line.contains(FailsAfterCommit.FAILURE))
                .filter(line -> line.contains("unexpected failure after the response began")))
        .as("each unexpected failure logged with its stack trace, not the servlet's wrapper's")
        .hasSize(2)
        .noneMatch(line -> line.contains("ServletException"));
  }

  /**
   * A bug in a download's stream after its first bytes went out is counted as the {@code
   * internal-error} it is ({@code pt2cache_problems_total}, what {@code Pt2cacheInternalErrors}
   * reads), and its access line says so; before, only its ERROR line and the request's {@code
   * exception} tag (a series born with its first request) told of it. A client gone is no bug.
   */
  @Test
  void shouldCountABugInADownloadAfterItBeganAsAnInternalError(CapturedOutput output)
      throws Exception {
    byte[] bytes = Fixtures.randomBytes(2 * 1024 * 1024);
    String url = stored(bytes);
    double before = internalErrors();
    int logged = output.length();
    BrokenStreams.broken = true;
    try {
      assertEndsShort(url, bytes.length);
    } finally {
      BrokenStreams.broken = false;
    }
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(internalErrors() - before)
                    .as("pt2cache_problems_total{type=\"internal-error\"} after the bug")
                    .isEqualTo(1));
    assertThat(
            output
                .toString()
                .substring(logged)
                .lines()
                .filter(line -> line.contains("GET " + url + " -> 200, cut short")))
        .as("its access line, written before it is counted")
        .hasSize(1)
        .allMatch(line -> line.contains("\"problemType\":\"internal-error\""));
    assertThat(api.get(url).body()).as("served whole without the bug").isEqualTo(bytes);
  }

  private double internalErrors() {
    return counted("pt2cache.problems", "type", "internal-error");
  }

  /** A handler with a bug that shows only after its answer began. */
  @TestConfiguration
  static class FailureAfterCommit {
    @Bean
    FailsAfterCommit failsAfterCommit() {
      return new FailsAfterCommit();
    }

    @Bean
    static BeanPostProcessor brokenStreams() {
      return new BrokenStreams();
    }
  }

  /**
   * The service's store, whose downloads' streams, while {@link #broken}, throw what no store
   * throws (a bug in a stream of the service's own) after their first 256 KiB.
   */
  static class BrokenStreams implements BeanPostProcessor {
    static final String FAILURE = "a bug in a download's stream";
    static volatile boolean broken;

    @Override
    public Object postProcessAfterInitialization(Object bean, String name) {
      if (!(bean instanceof BlobStore store)) {
        return bean;
      }
      return Proxy.newProxyInstance(
          BlobStore.class.getClassLoader(),
          store.getClass().getInterfaces(), // its metrics and its close too
          (proxy, method, args) -> {
            Object result = invoke(store, method, args);
            return broken
                    && result instanceof Optional<?> found
                    && !found.isEmpty()
                    && found.get() instanceof BlobContent content
                ? Optional.of(content.through(failingAfter(content.stream(), 256 * 1024)))
                : result;
          });
    }

    private static Object invoke(BlobStore store, Method method, Object[] args) throws Throwable {
      try {
        return method.invoke(store, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    }

    private static InputStream failingAfter(InputStream stream, int bytes) {
      return new FilterInputStream(stream) {
        private int read;

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          if (read >= bytes) {
            throw new IllegalStateException(FAILURE);
          }
          int n = super.read(b, off, Math.min(len, bytes - read));
          read += Math.max(n, 0);
          return n;
        }
      };
    }
  }

  @RestController
  static class FailsAfterCommit {
    static final String PATH = "/test/fails-after-commit";
    static final String FAILURE = "a bug after the answer began";

    @GetMapping(PATH)
    void fail(HttpServletResponse response) throws IOException {
      response.setContentType("application/octet-stream");
      response.getOutputStream().write(new byte[64 * 1024]);
      response.flushBuffer();
      throw new IllegalStateException(FAILURE);
    }
  }

  /** Where an artifact of these bytes, stored now, is downloaded. */
  private String stored(byte[] bytes) {
    return uploadMegaCache(Descriptors.of(Descriptors.uniqueModel()), bytes)
        .json()
        .get("downloadUrl")
        .asString();
  }

  /** One download of 2 MiB that the store ends after 512 KiB. */
  private void cutDownload() throws Exception {
    String url = stored(Fixtures.randomBytes(2 * 1024 * 1024));
    relay().cut();
    try {
      assertEndsShort(url, 2 * 1024 * 1024);
    } finally {
      relay().calm();
    }
  }

  private String contentRequests() {
    return api.get("/actuator/prometheus")
        .text()
        .lines()
        .filter(line -> line.startsWith("http_server_requests_seconds_count{"))
        .filter(line -> line.contains("/content"))
        .reduce("", (a, b) -> a + b + "\n");
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
