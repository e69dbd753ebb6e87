package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.EmbeddedInfra;
import dev.pt2cache.support.ServiceJvm;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An operator turns the access lines off through the environment alone, as every other setting is
 * given, and nothing else with them: {@code LOGGING_LEVEL_ACCESS=WARN} names the log group {@code
 * access} (application.yaml). A variable cannot name the class's logger ({@code
 * LOGGING_LEVEL_DEV_PT2CACHE_SYSTEM_REQUESTLOGFILTER} binds to a lower-cased name, which no logger
 * has), and {@code LOGGING_LEVEL_DEV_PT2CACHE_SYSTEM} would silence the whole package's lines. Each
 * service runs in a JVM of its own, its environment set as a deployment sets it.
 */
class AccessLogLevelTest {

  private static final String ACCESS_LINE = "GET /v1/namespaces/default -> ";

  @Test
  void shouldDropTheAccessLinesAndNothingElseWhenTheEnvironmentSetsAccessToWarn(@TempDir Path data)
      throws Exception {
    String log = walk(data, Map.of("LOGGING_LEVEL_ACCESS", "WARN"));
    assertThat(log)
        .as("no access line, for a served request nor a refused one")
        .doesNotContain(ACCESS_LINE);
    assertThat(log)
        .as("the other lines at INFO, of the access line's own package too, still appear")
        .contains("Started Pt2CacheApplication")
        .contains("migration(s) pending"); // PostgresVersionCheck, dev.pt2cache.system
  }

  @Test
  void shouldWriteAnAccessLinePerRequestByDefault(@TempDir Path data) throws Exception {
    String log = walk(data, Map.of());
    assertThat(log).contains(ACCESS_LINE + "200").contains(ACCESS_LINE + "401");
  }

  /** The service's log after one request the admin makes and one without a token. */
  private static String walk(Path data, Map<String, String> env) throws Exception {
    try (ServiceJvm service = ServiceJvm.embeddedDefault(data, ServiceJvm.QUICK_START, env)) {
      assertThat(status(service, EmbeddedInfra.ADMIN_TOKEN)).isEqualTo(200);
      assertThat(status(service, null)).isEqualTo(401);
    }
    return Files.readString(data.resolve("service.log"));
  }

  private static int status(ServiceJvm service, String token) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(service.url() + "/v1/namespaces/default"));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return HttpClient.newHttpClient().send(request.build(), BodyHandlers.discarding()).statusCode();
  }
}
