package dev.pt2cache.problem;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.EmbeddedInfra;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.Test;
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
