package dev.pt2cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.EmbeddedInfra;
import dev.pt2cache.support.ServiceJvm;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service answers the same on a host whose language is not English: the JVM takes its default
 * locale from the host ({@code LANG=tr_TR.UTF-8} gives {@code tr-TR}), and the contract's words and
 * numbers must not follow it.
 */
class HostLocaleTest {

  private static final String DESCRIPTOR =
      "{\"model\":{\"name\":\"resnet50\",\"version\":\"1\"},\"software\":{\"torch\":\"2.11.0\","
          + "\"triton\":\"3.6.0\",\"cuda\":\"13.0\",\"python\":\"3.12.3\"},\"hardware\":{\"gpu\":"
          + "\"NVIDIA H100 80GB HBM3\",\"capability\":\"9.0\"},\"compile\":{\"backend\":\"inductor\","
          + "\"mode\":\"default\",\"dynamic\":false}}";

  /**
   * On a Turkish host, an artifact declared and not yet uploaded is {@code pending}, and a lookup
   * of its key says so. Before, the service lower-cased its states by the host's rules, where
   * {@code I} becomes a dotless {@code ı}: {@code pendıng} is no state of the contract, and the
   * declaration answered 500.
   */
  @Test
  void shouldNameStatesAndMissReasonsAsTheContractDoesOnATurkishHost(@TempDir Path data)
      throws Exception {
    try (ServiceJvm service = onHostOf(data, "tr", "TR")) {
      HttpResponse<String> declared =
          post(
              service,
              "/artifacts",
              "{\"kind\":\"mega-cache\",\"descriptor\":%s,\"sha256\":\"%s\",\"sizeBytes\":4}"
                  .formatted(DESCRIPTOR, "ab".repeat(32)));
      assertThat(declared.statusCode()).as(declared.body()).isEqualTo(201);
      assertThat(declared.body()).contains("\"state\":\"pending\"");

      HttpResponse<String> lookup =
          post(
              service,
              "/lookups",
              "{\"kind\":\"mega-cache\",\"descriptor\":%s}".formatted(DESCRIPTOR));
      assertThat(lookup.statusCode()).as(lookup.body()).isEqualTo(200);
      assertThat(lookup.body()).contains("\"reason\":\"pending\"");
    }
  }

  private static ServiceJvm onHostOf(Path data, String language, String country) throws Exception {
    return ServiceJvm.embeddedDefault(
        data,
        Stream.concat(
                ServiceJvm.QUICK_START.stream(),
                Stream.of("-Duser.language=" + language, "-Duser.country=" + country))
            .toList(),
        Map.of());
  }

  private static HttpResponse<String> post(ServiceJvm service, String path, String json)
      throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(service.url() + "/v1/namespaces/default" + path))
                .header("Authorization", "Bearer " + EmbeddedInfra.ADMIN_TOKEN)
                .header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString(json))
                .build(),
            BodyHandlers.ofString());
  }
}
