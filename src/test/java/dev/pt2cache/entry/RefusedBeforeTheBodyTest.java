package dev.pt2cache.entry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.EmbeddedInfra;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A client that sends {@code Expect: 100-continue} (curl does for bodies over 1 MiB) waits before
 * it sends its body: the service answers a refusal it can make from the headers alone instead of
 * telling it to go on, so no byte of a body it would refuse crosses the network.
 */
class RefusedBeforeTheBodyTest extends ServiceTest {

  private final String entry =
      "/entries/autotune/k" + UUID.randomUUID().toString().replace("-", "");

  @Test
  void shouldRefuseAnEntryTooLargeBeforeItsBody() throws IOException {
    try (Expecting put = new Expecting(path(entry), EmbeddedInfra.ADMIN_TOKEN, 17 << 20)) {
      assertThat(put.statusLine()).startsWith("HTTP/1.1 413");
      assertThat(put.rest()).contains("payload-too-large");
    }
    assertThat(api.head(path(entry)).status()).isEqualTo(404);
  }

  @Test
  void shouldRefuseAnUnknownNamespaceBeforeTheBody() throws IOException {
    String elsewhere = "/v1/namespaces/t-none-" + UUID.randomUUID().toString().substring(0, 8);
    try (Expecting put = new Expecting(elsewhere + entry, EmbeddedInfra.ADMIN_TOKEN, 300)) {
      assertThat(put.statusLine()).startsWith("HTTP/1.1 404");
      assertThat(put.rest()).contains("namespace-not-found");
    }
  }

  @Test
  void shouldRefuseACallerWithoutATokenBeforeTheBody() throws IOException {
    try (Expecting put = new Expecting(path(entry), null, 300)) {
      assertThat(put.statusLine()).startsWith("HTTP/1.1 401");
    }
  }

  /**
   * A refusal a filter makes by the headers alone (a body in a content coding the service does not
   * take) is answered before the body as well: reading the body first would have told the client to
   * send it.
   */
  @Test
  void shouldRefuseAnEncodedEntryBeforeItsBody() throws IOException {
    try (Expecting put =
        new Expecting(
            path(entry), EmbeddedInfra.ADMIN_TOKEN, 300, true, "Content-Encoding: gzip\r\n")) {
      assertThat(put.statusLine()).startsWith("HTTP/1.1 415");
      assertThat(put.rest()).contains("unsupported-media-type");
    }
    assertThat(api.head(path(entry)).status()).isEqualTo(404);
  }

  @Test
  void shouldRefuseContentForAnArtifactNeverDeclaredBeforeTheBody() throws IOException {
    String content = path("/artifacts/" + UUID.randomUUID() + "/content");
    try (Expecting put = new Expecting(content, EmbeddedInfra.ADMIN_TOKEN, 300)) {
      assertThat(put.statusLine()).startsWith("HTTP/1.1 404");
    }
  }

  /**
   * Without {@code Expect} the answer does not wait for the body either: Tomcat takes in what it
   * refused only after it has written the answer (docs/adr/0050).
   */
  @Test
  void shouldAnswerARefusalWithoutExpectBeforeTheBody() throws IOException {
    String elsewhere = "/v1/namespaces/t-none-" + UUID.randomUUID().toString().substring(0, 8);
    try (Expecting put =
        new Expecting(elsewhere + entry, EmbeddedInfra.ADMIN_TOKEN, 5_000_000, false, "")) {
      assertThat(put.statusLine()).startsWith("HTTP/1.1 404");
      assertThat(put.rest()).contains("namespace-not-found");
    }
  }

  @Test
  void shouldAskForTheBodyOfAnEntryItTakes() throws IOException {
    byte[] bytes = Fixtures.randomBytes(300);
    try (Expecting put = new Expecting(path(entry), EmbeddedInfra.ADMIN_TOKEN, bytes.length)) {
      assertThat(put.statusLine()).startsWith("HTTP/1.1 100");
      put.rest();
      put.send(bytes);
      assertThat(put.statusLine()).startsWith("HTTP/1.1 201");
    }
    assertThat(api.get(path(entry)).body()).isEqualTo(bytes);
  }

  /**
   * A PUT's head, with {@code Expect: 100-continue} unless told and any further header lines given;
   * it sends its body only when asked to.
   */
  private final class Expecting implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;

    Expecting(String target, String token, long length) throws IOException {
      this(target, token, length, true, "");
    }

    Expecting(String target, String token, long length, boolean expect, String headers)
        throws IOException {
      socket = new Socket("127.0.0.1", port());
      // a service that told the client to go on would now wait for the body: no answer at all
      socket.setSoTimeout(10_000);
      in = socket.getInputStream();
      String head =
          "PUT "
              + target
              + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              + (token == null ? "" : "Authorization: Bearer " + token + "\r\n")
              + headers
              + "Content-Type: application/octet-stream\r\nContent-Length: "
              + length
              + (expect ? "\r\nExpect: 100-continue" : "")
              + "\r\n\r\n";
      socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
    }

    String statusLine() throws IOException {
      return line();
    }

    /** The rest of the answer's head and as much of its body as came within the timeout. */
    String rest() throws IOException {
      StringBuilder head = new StringBuilder();
      long length = 0;
      for (String line = line(); !line.isEmpty(); line = line()) {
        head.append(line).append('\n');
        if (line.toLowerCase().startsWith("content-length:")) {
          length = Long.parseLong(line.substring(15).trim());
        }
      }
      return head + new String(in.readNBytes((int) length), StandardCharsets.UTF_8);
    }

    void send(byte[] body) throws IOException {
      OutputStream out = socket.getOutputStream();
      out.write(body);
      out.flush();
    }

    private String line() throws IOException {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      for (int b = in.read(); b != '\n'; b = in.read()) {
        if (b < 0) {
          throw new IOException("the connection closed after: " + line);
        }
        if (b != '\r') {
          line.write(b);
        }
      }
      return line.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
