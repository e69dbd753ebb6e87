package dev.pt2cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.EmbeddedInfra;
import dev.pt2cache.support.ServiceJvm;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded default ({@link LocalPt2Cache}) fills in only the settings nobody gave: a {@code
 * -DPT2CACHE_...} on its command line, or a {@code PT2CACHE_...} in its environment, wins over the
 * embedded default's value, as it does for the jar. Before, the embedded values were copied into
 * the system properties over them, and the service ran on the published admin token and the
 * embedded bucket whatever was given.
 */
class EmbeddedDefaultTakesGivenSettingsTest {

  private static final String OWN_TOKEN = "own-admin-secret-3f9c2a71d4e8b605";

  @Test
  void shouldRunOnTheSettingsGivenOnTheCommandLineAndInTheEnvironment(@TempDir Path data)
      throws Exception {
    try (ServiceJvm service =
        ServiceJvm.embeddedDefault(
            data,
            List.of("-DPT2CACHE_ADMIN_TOKEN=" + OWN_TOKEN),
            Map.of("PT2CACHE_S3_BUCKET", "own-bucket"))) {
      assertThat(namespacesAs(service, OWN_TOKEN))
          .as("the admin token given with -D is the admin's")
          .isEqualTo(200);
      assertThat(namespacesAs(service, EmbeddedInfra.ADMIN_TOKEN))
          .as("the published one is not")
          .isEqualTo(401);
      assertThat(data.resolve("s3").resolve("own-bucket"))
          .as("the bucket named in the environment holds the data")
          .isDirectory();
      assertThat(Files.exists(data.resolve("s3").resolve(EmbeddedInfra.BUCKET)))
          .as("the embedded default's bucket is not used")
          .isFalse();
    }
  }

  private static int namespacesAs(ServiceJvm service, String token) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(service.url() + "/v1/namespaces"))
                .header("Authorization", "Bearer " + token)
                .build(),
            BodyHandlers.discarding())
        .statusCode();
  }
}
