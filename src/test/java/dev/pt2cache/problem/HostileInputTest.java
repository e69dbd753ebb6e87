package dev.pt2cache.problem;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.EmbeddedInfra;
import dev.pt2cache.support.ServiceTest;
import jakarta.servlet.ServletContext;
import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Invariant 7 for what an HTTP fuzzer sent beyond BadInputTest. Each gets a 4xx problem whose type
 * the contract lists, and changes nothing.
 */
class HostileInputTest extends ServiceTest {

  @Autowired ServletContext servlet;

  /** A request sent as it stands, head and body; the whole answer, status line first. */
  String raw(String head, String body) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write((head + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Nested
  class Filters {

    /**
     * A NUL in a tag filter reached PostgreSQL bound into a JSON function and broke the protocol
     * itself (08P01): the pooled connection was dropped, an ERROR was logged as if the database had
     * failed, and the caller's typo got 503 database-unavailable with Retry-After.
     */
    @ParameterizedTest
    @ValueSource(strings = {"tag=pool:a%00b", "tag=po%00ol:a", "modelName=a%00b", "gpu=%00"})
    void shouldRefuseANulInAnyFilterBeforeTheDatabaseSeesIt(String query) {
      ApiResponse answer = api.get(path("/artifacts?" + query));

      assertProblem(answer, 400, "invalid-request");
      assertThat(answer.json().get("detail").asString()).contains("U+0000").doesNotContain("ERROR");
      assertThat(api.get(path("/artifacts?tag=pool:a")).status()).isEqualTo(200);
    }
  }

  @Nested
  class Multipart {

    /**
     * No call takes a multipart body, yet Spring's multipart support parsed one sent to any route,
     * before the token was checked, writing each part to the instance's disk (Tomcat's work
     * directory under {@code java.io.tmpdir}): anyone who could reach the port could write there,
     * up to 10 MB a request. With that directory unwritable (a disk full or read-only; here a file
     * in its place), every such request, without a token too, was a {@code 500 internal-error} with
     * an ERROR and its stack trace in the log.
     */
    @Test
    void shouldNeitherParseNorWriteAMultipartBody() throws IOException {
      Path work = ((File) servlet.getAttribute(ServletContext.TEMPDIR)).toPath();
      Path moved = work.resolveSibling(work.getFileName() + "-gone");
      Files.move(work, moved);
      // a file where the directory was: Tomcat makes a missing one again, but cannot write here
      Files.createFile(work);
      try {
        ApiClient anonymous = api.withToken(null);
        // refused for its type before its token, as any body of a type the call does not take
        assertProblem(anonymous.send(multipart(anonymous)), 415, "unsupported-media-type");
        assertProblem(api.send(multipart(api)), 415, "unsupported-media-type");
      } finally {
        Files.delete(work);
        Files.move(moved, work);
      }
    }

    private HttpRequest multipart(ApiClient client) {
      String body =
          "--b0undary\r\nContent-Disposition: form-data; name=\"f\"; filename=\"f.bin\"\r\n"
              + "Content-Type: application/octet-stream\r\n\r\n"
              + "x".repeat(1000)
              + "\r\n--b0undary--\r\n";
      return client
          .request(path("/lookups"), "Content-Type", "multipart/form-data; boundary=b0undary")
          .POST(BodyPublishers.ofString(body))
          .build();
    }
  }

  @Nested
  class Headers {

    /**
     * An Accept header Spring cannot parse failed content negotiation twice, the second time while
     * writing the problem, which Spring then drops: a 406 without a body or a type, whatever the
     * call, a 401 or a 404 included.
     */
    @Test
    void shouldAnswerAnUnparseableAcceptWithAProblem() {
      for (String accept : new String[] {"garbage///", "*/*;q=x", "text/html;charset="}) {
        assertProblem(api.get(path(""), "Accept", accept), 406, "not-acceptable");
        assertProblem(
            api.get("/v1/namespaces/no-such-ns", "Accept", accept), 406, "not-acceptable");
        assertProblem(
            api.withToken(null).get(path("/artifacts"), "Accept", accept), 406, "not-acceptable");
      }
      // in a second Accept header, after one that parses (RFC 9110 5.3: the two are one list)
      assertProblem(
          api.get(path(""), "Accept", "application/json", "Accept", "garbage///"),
          406,
          "not-acceptable");
      // one the service cannot serve stays the 406 it was, and one it can serves
      assertProblem(api.get(path(""), "Accept", "application/xml"), 406, "not-acceptable");
      assertThat(api.get(path(""), "Accept", "application/json").status()).isEqualTo(200);
    }

    /**
     * An Accept header is a list, and may be given more than once (RFC 9110 12.5.1): what clients
     * send ({@code *}{@code /*} from curl and requests, a list with quality values from browsers
     * and HTTP libraries) is served.
     */
    @Test
    void shouldServeEveryAcceptAClientSends() {
      for (String accept :
          new String[] {
            "*/*",
            "application/*",
            "application/json, text/plain, */*",
            "application/json;q=0.9, */*;q=0.1"
          }) {
        assertThat(api.get(path(""), "Accept", accept).status()).as(accept).isEqualTo(200);
      }
      assertThat(api.get(path(""), "Accept", "text/html", "Accept", "*/*;q=0.5").status())
          .as("two Accept headers")
          .isEqualTo(200);
    }

    /**
     * What Tomcat turns away with a 5xx although the client sent what no server takes was answered
     * as {@code internal-error}: a transfer coding it does not implement (501), a CONNECT (501), an
     * HTTP version other than 1.x (505).
     */
    @Test
    void shouldAnswerAProtocolTheServiceDoesNotSpeakWithA400() throws IOException {
      String lookup = Descriptors.lookup("mega-cache", Descriptors.of(Descriptors.uniqueModel()));
      String auth = "Authorization: Bearer " + EmbeddedInfra.ADMIN_TOKEN;
      String[] heads = {
        "POST %s HTTP/1.1\r\nHost: x\r\n%s\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip\r\nConnection: close"
            .formatted(path("/lookups"), auth),
        "CONNECT %s HTTP/1.1\r\nHost: x\r\n%s\r\nConnection: close".formatted(path(""), auth),
        "GET %s HTTP/1.2\r\nHost: x\r\n%s\r\nConnection: close".formatted(path(""), auth),
        "GET %s HTTP/2.0\r\nHost: x\r\n%s\r\nConnection: close".formatted(path(""), auth)
      };
      for (String head : heads) {
        String answer = raw(head, head.startsWith("POST") ? lookup : "");
        assertThat(answer)
            .as(head)
            .startsWith("HTTP/1.1 400")
            .contains("application/problem+json")
            .contains("\"type\":\"urn:pt2cache:problem:malformed-request\"")
            .contains("\"status\":400")
            .doesNotContain("internal-error");
      }
    }
  }

  @Nested
  class Queries {

    /**
     * Spring kept the first of two values for an enum, a number or a boolean, and joined two texts
     * with a comma: each listing answered 200 with less than was asked, or nothing.
     */
    @ParameterizedTest
    @ValueSource(
        strings = {
          "state=ready&state=pending",
          "kind=pgo&kind=fx-graph",
          "modelName=a&modelName=b",
          "limit=1&limit=500",
          "reported=true&reported=false",
          "cursor=a&cursor=b"
        })
    void shouldRefuseAParameterGivenTwice(String query) {
      ApiResponse answer = api.get(path("/artifacts?" + query));

      assertProblem(answer, 400, "invalid-request");
      assertThat(answer.json().get("detail").asString()).contains("more than once");
    }

    /** A list parameter repeats, as the contract says: each tag once. */
    @Test
    void shouldTakeRepeatedTagsStill() {
      assertThat(api.get(path("/artifacts?tag=a:1&tag=b:2")).status()).isEqualTo(200);
    }

    /** Read as left out, an unset variable in a script ({@code kind=$KIND}) listed every kind. */
    @ParameterizedTest
    @ValueSource(strings = {"kind=", "state=", "limit", "limit=", "reported=", "modelName="})
    void shouldRefuseAParameterWithoutAValue(String query) {
      ApiResponse answer = api.get(path("/artifacts?" + query));

      assertProblem(answer, 400, "invalid-request");
      assertThat(answer.json().get("detail").asString()).contains("no value");
    }

    @Test
    void shouldRefuseThemOnEveryOperation() {
      assertProblem(
          api.get("/v1/housekeeping/runs?job=purge&job=reconcile"), 400, "invalid-request");
      assertProblem(api.get("/v1/housekeeping/runs?job="), 400, "invalid-request");
      assertProblem(api.get(path("/invalidations?limit=1&limit=2")), 400, "invalid-request");
      assertProblem(api.get(path("/evictions?limit=")), 400, "invalid-request");
    }
  }
}
