package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import java.time.Duration;
import java.util.UUID;
import org.apache.coyote.http11.AbstractHttp11Protocol;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;

/**
 * The service as production runs it, behind a proxy or balancer that terminates TLS and keeps
 * connections to the instances open between calls (docs/behind-a-proxy.md, ADR 0042).
 */
class BehindAProxyTest extends ServiceTest {

  /** The idle timeout of the proxies most often put in front: AWS ALB's and nginx's upstream. */
  private static final Duration PROXY_IDLE_TIMEOUT = Duration.ofSeconds(60);

  private static final String[] FORWARDED = {
    "X-Forwarded-For", "203.0.113.7",
    "X-Forwarded-Proto", "https",
    "X-Forwarded-Host", "cache.example.com",
    "X-Forwarded-Port", "443",
    "X-Forwarded-Prefix", "/pt2cache",
    "Forwarded", "for=203.0.113.7;proto=https;host=cache.example.com"
  };

  @Autowired WebServerApplicationContext context;

  /**
   * A proxy that reuses an idle connection as the instance closes it gets no answer and gives its
   * caller a 502 (ALB, and nginx for what it does not resend, a POST among them). The instance must
   * be the one that waits longer: before, Tomcat closed an idle connection after its
   * connection-timeout, 60 s, the same as ALB's and nginx's, so the two closes raced.
   */
  @Test
  void shouldKeepIdleConnectionsOpenLongerThanTheProxiesInFront() {
    var tomcat = (TomcatWebServer) context.getWebServer();
    var protocol =
        (AbstractHttp11Protocol<?>) tomcat.getTomcat().getConnector().getProtocolHandler();
    assertThat(Duration.ofMillis(protocol.getKeepAliveTimeout()))
        .as("idle keep-alive connections outlive a proxy's idle timeout")
        .isGreaterThan(PROXY_IDLE_TIMEOUT);
    assertThat(protocol.getConnectionTimeout())
        .as("the wait for a request's bytes stays as it was")
        .isEqualTo(60_000);
  }

  /**
   * Whatever a proxy (or a caller posing as one) forwards, the service answers the addresses it
   * builds relative to the request, so they are right behind a TLS-terminating proxy and under a
   * path of the proxy's own, and names no host it was told of.
   */
  @Test
  void shouldBuildNoAddressFromForwardedHeaders() {
    byte[] bytes = Fixtures.randomBytes(64);
    String declaration =
        Descriptors.upload(
            "mega-cache", Descriptors.of(Descriptors.uniqueModel()), Fixtures.sha256(bytes), 64);
    ApiResponse forwarded = api.postJson(path("/artifacts"), declaration, FORWARDED);

    assertThat(forwarded.status()).as(forwarded.text()).isEqualTo(201);
    String id = forwarded.json().get("id").asString();
    assertThat(forwarded.json().get("uploadUrl").asString())
        .isEqualTo("/v1/namespaces/" + ns + "/artifacts/" + id + "/content");
    ApiResponse root = api.get("/", FORWARDED);
    assertThat(root.status()).isEqualTo(302);
    assertThat(root.header("Location")).isEqualTo("swagger-ui/index.html");
    ApiResponse missing = api.get(path("/artifacts/" + UUID.randomUUID()), FORWARDED);
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.text()).doesNotContain("cache.example.com", "https:", "/pt2cache/");
  }

  /** A proxy's request id (nginx's $request_id, Envoy's x-request-id) names the access line. */
  @Test
  void shouldKeepTheRequestIdAProxySets() {
    String id = "5f1d3c1b2a9e4c7d8e0f11223344aabb";
    assertThat(api.get(path(""), "X-Request-Id", id).header("X-Request-Id")).isEqualTo(id);
  }

  /**
   * One that is not a plain token of 64 characters at most (spaces, quotes, a kilobyte) is not
   * written into the log or echoed: the access line gets an id of its own.
   */
  @Test
  void shouldReplaceARequestIdThatIsNotAPlainToken() {
    for (String id : new String[] {"a b", "x\\\"y", "r".repeat(65)}) {
      String echoed = api.get(path(""), "X-Request-Id", id).header("X-Request-Id");
      assertThat(echoed).as(id).isNotEqualTo(id).matches("[0-9a-f-]{36}");
    }
  }
}
