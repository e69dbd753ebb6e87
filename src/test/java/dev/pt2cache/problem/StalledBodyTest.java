package dev.pt2cache.problem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.EmbeddedInfra;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import dev.pt2cache.system.RequestLogFilter;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A client whose body stops arriving (a hung build, a network that dropped it) holds its request's
 * thread only as long as the connector waits between bytes ({@code
 * server.tomcat.connection-timeout}, 60 s; 1 s here), and then hears why: {@code 408
 * request-timeout}, not a problem that says the request never reached the service. Nothing of the
 * body is kept.
 */
@TestPropertySource(properties = "server.tomcat.connection-timeout=1s")
class StalledBodyTest extends ServiceTest {

  static final int SIZE = 64 << 10;

  @Test
  void shouldTellAnUploadWhoseBytesStoppedAndKeepItsReservation() throws Exception {
    byte[] bytes = Fixtures.randomBytes(SIZE);
    ApiResponse declared = api.postJson(path("/artifacts"), Descriptors.upload(bytes));
    assertThat(declared.status()).as(declared.text()).isEqualTo(201);
    String uploadUrl = declared.json().get("uploadUrl").asString();

    Answer answer = stallAfter(uploadUrl, bytes, 4096);

    assertRequestTimeout(answer);
    String self = path("/artifacts/") + declared.json().get("id").asString();
    ApiResponse still = api.get(self);
    assertThat(still.json().get("state").asString()).isEqualTo("pending");
    assertThat(still.json().get("uploadExpiresAt").asString())
        .isEqualTo(declared.json().get("uploadExpiresAt").asString());
    ApiResponse resent = api.putBytes(uploadUrl, bytes);
    assertThat(resent.status()).as(resent.text()).isEqualTo(200);
    assertThat(resent.json().get("state").asString()).isEqualTo("ready");
  }

  @Test
  void shouldTellAnEntryWhoseBytesStoppedAndWriteNothing() throws Exception {
    byte[] bytes = Fixtures.randomBytes(SIZE);
    String entry = path("/entries/fx-graph/stalled-" + UUID.randomUUID());
    // without its digest, so that the body goes to the instance's disk first
    Answer answer = stallAfter(entry, bytes, 4096);

    assertRequestTimeout(answer);
    assertThat(api.get(entry).status()).isEqualTo(404);
    ApiResponse resent = api.putBytes(entry, bytes);
    assertThat(resent.status()).as(resent.text()).isEqualTo(201);
    assertThat(api.get(entry).body()).isEqualTo(bytes);
  }

  /**
   * The mirror case: a reader that stops reading a download is cut off at the connector's write
   * timeout (the same setting), and its access line says so. Before, it read {@code GET ... -> 200}
   * like a whole download, and no other line told of it (the handler logs a client gone at DEBUG).
   */
  @Test
  void shouldSayInItsAccessLineThatADownloadWasCutShort() throws Exception {
    String url =
        uploadMegaCache(Descriptors.of(Descriptors.uniqueModel()), Fixtures.randomBytes(16 << 20))
            .json()
            .get("downloadUrl")
            .asString();
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    Logger access = (Logger) LoggerFactory.getLogger(RequestLogFilter.class);
    lines.start();
    access.addAppender(lines);
    try (Socket reader = new Socket()) {
      reader.setReceiveBufferSize(4096);
      reader.connect(new InetSocketAddress("127.0.0.1", port()));
      reader
          .getOutputStream()
          .write(
              ("GET "
                      + url
                      + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                      + EmbeddedInfra.ADMIN_TOKEN
                      + "\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      assertThat(reader.getInputStream().readNBytes(4096)).hasSize(4096); // then reads no more
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> lines.list.stream().anyMatch(line -> isAccessLineOf(line, url)));
    } finally {
      access.detachAppender(lines);
    }

    ILoggingEvent line =
        lines.list.stream().filter(l -> isAccessLineOf(l, url)).findFirst().orElseThrow();
    assertThat(line.getFormattedMessage())
        .startsWith("GET " + url + " -> 200, cut short: ")
        .contains("SocketTimeoutException");
    assertThat(line.getMDCPropertyMap()).as("the access line's field").containsKey("cutShort");
  }

  private static boolean isAccessLineOf(ILoggingEvent line, String url) {
    return line.getFormattedMessage().startsWith("GET " + url + " -> ");
  }

  private static void assertRequestTimeout(Answer answer) {
    assertThat(answer.status()).as(answer.text()).isEqualTo(408);
    assertThat(answer.head()).containsIgnoringCase("Content-Type: application/problem+json");
    JsonNode problem = answer.problem();
    assertThat(problem.get("type").asString()).isEqualTo("urn:pt2cache:problem:request-timeout");
    assertThat(problem.get("status").asInt()).isEqualTo(408);
    assertThat(problem.get("detail").asString())
        .contains("stopped arriving", "(1 s)", "send it again")
        .doesNotContain("before it reached the service");
  }

  /** A PUT that declares all of {@code bytes} and sends the first {@code sent}, then nothing. */
  private Answer stallAfter(String path, byte[] bytes, int sent) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port())) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("PUT "
                  + path
                  + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                  + EmbeddedInfra.ADMIN_TOKEN
                  + "\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                  + bytes.length
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(bytes, 0, sent);
      out.flush();
      return new Answer(new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  /** The whole answer as it came, status line first. */
  record Answer(String text) {

    int status() {
      return Integer.parseInt(text.substring(9, 12));
    }

    String head() {
      return text.substring(0, text.indexOf("\r\n\r\n"));
    }

    JsonNode problem() {
      return JsonMapper.builder().build().readTree(text.substring(text.indexOf("\r\n\r\n") + 4));
    }
  }
}
