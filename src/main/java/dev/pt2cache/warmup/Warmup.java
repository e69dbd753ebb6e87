package dev.pt2cache.warmup;

import dev.pt2cache.auth.AuthProperties;
import dev.pt2cache.system.WarmupRequests;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationContext;
import org.springframework.stereotype.Component;

/**
 * Before the instance says ready, sends it the requests a fleet sends first (lookups, entry and
 * content reads, uploads, reports), each twice, over HTTP to the address it listens on (loopback
 * when that is every interface, {@link BoundAddress}), so that the classes, caches and query plans
 * they need are loaded while readiness still says down instead of on the first clients' calls. Each
 * asks for a namespace that does not exist (checked first: a random name), so each is answered
 * {@code 404} before anything is read or written; none shows in the access log, the HTTP metrics or
 * a rate limit ({@link WarmupRequests}). Spring Boot says ready once the application's runners have
 * returned; a warm-up that fails or runs past its time is logged and the instance says ready all
 * the same (docs/adr/0034).
 */
@Component
class Warmup implements ApplicationRunner {

  private static final Logger log = LoggerFactory.getLogger(Warmup.class);
  private static final String DESCRIPTOR =
      "{\"model\":{\"name\":\"warm-up\",\"version\":\"1\"},\"software\":{\"torch\":\"2.11.0\"},"
          + "\"hardware\":{\"gpu\":\"none\"}}";

  private final WarmupProperties properties;
  private final AuthProperties auth;
  private final WarmupRequests requests;
  private final ApplicationContext context;

  Warmup(
      WarmupProperties properties,
      AuthProperties auth,
      WarmupRequests requests,
      ApplicationContext context) {
    this.properties = properties;
    this.auth = auth;
    this.requests = requests;
    this.context = context;
  }

  @Override
  public void run(ApplicationArguments args) {
    if (!properties.enabled()
        || !(context instanceof WebServerApplicationContext web)
        || web.getWebServer() == null) {
      return;
    }
    warmUp(
        BoundAddress.reach(
            context.getEnvironment().getProperty("server.address"), web.getWebServer().getPort()));
  }

  private void warmUp(URI server) {
    long started = System.nanoTime();
    long deadline = started + properties.timeout().toNanos();
    byte[] random = new byte[8];
    new SecureRandom().nextBytes(random);
    String namespace = "warm-up-" + HexFormat.of().formatHex(random);
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(properties.timeout())
            .build();
    int answered = 0;
    requests.open();
    try {
      for (HttpRequest.Builder request : requests(server.resolve("/v1/namespaces/" + namespace))) {
        Duration left = Duration.ofNanos(deadline - System.nanoTime());
        if (left.isNegative() || left.isZero()) {
          throw new IllegalStateException("it ran past PT2CACHE_WARMUP_TIMEOUT");
        }
        HttpRequest sent = authorized(request).timeout(left).build();
        int status = http.send(sent, BodyHandlers.discarding()).statusCode();
        if (status != 404) {
          // the namespace exists after all, or the service cannot answer: stop touching it
          throw new IllegalStateException(sent.method() + " answered " + status + ", not 404");
        }
        answered++;
      }
      log.info(
          "warm-up: {} requests in {} ms before readiness",
          answered,
          (System.nanoTime() - started) / 1_000_000);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      log.warn(
          "warm-up stopped after {} requests ({}); the instance says ready without the rest",
          answered,
          e.toString());
    } finally {
      requests.close();
    }
  }

  private HttpRequest.Builder authorized(HttpRequest.Builder request) {
    request.header(WarmupRequests.HEADER, requests.secret());
    if (auth.mode() == AuthProperties.Mode.TOKENS) {
      request.header("Authorization", "Bearer " + auth.adminToken().strip());
    }
    return request;
  }

  /** The calls a fleet makes first, each twice; the first is a check that the namespace is new. */
  private static List<HttpRequest.Builder> requests(URI namespace) {
    String ns = namespace.toString();
    String entry = ns + "/entries/fx-graph/" + HexFormat.of().formatHex(new byte[32]);
    String artifact = ns + "/artifacts/00000000-0000-0000-0000-000000000000";
    String lookup = "{\"kind\":\"mega-cache\",\"descriptor\":" + DESCRIPTOR + "}";
    String upload =
        "{\"kind\":\"fx-graph\",\"key\":\"warm-up\",\"sha256\":\"%s\",\"sizeBytes\":1}"
            .formatted("0".repeat(64));
    List<HttpRequest.Builder> once =
        List.of(
            HttpRequest.newBuilder(URI.create(ns)).GET(),
            json(ns + "/lookups", lookup),
            HttpRequest.newBuilder(URI.create(entry)).GET(),
            HttpRequest.newBuilder(URI.create(entry)).method("HEAD", BodyPublishers.noBody()),
            // as the Python client sends an entry: with its digest, so a reservation is asked for
            HttpRequest.newBuilder(URI.create(entry))
                .header("Content-Type", "application/octet-stream")
                .header("X-Content-SHA256", "0".repeat(64))
                .PUT(BodyPublishers.ofByteArray(new byte[] {0})),
            json(ns + "/artifacts", upload),
            HttpRequest.newBuilder(URI.create(artifact + "/content")).GET(),
            json(artifact + "/reports", "{\"problem\":\"other\",\"node\":\"warm-up\"}"));
    return Stream.concat(once.stream(), once.stream().skip(1))
        .map(HttpRequest.Builder::copy)
        .toList();
  }

  private static HttpRequest.Builder json(String url, String body) {
    return HttpRequest.newBuilder(URI.create(url))
        .header("Content-Type", "application/json")
        .POST(BodyPublishers.ofString(body));
  }
}
