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
import java.security.MessageDigest;
import java.util.HexFormat;
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
      HttpResponse<String> declared = declared(service, "ab".repeat(32));
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

  /**
   * On a host whose language writes other digits (Arabic in Egypt: ٠١٢٣...), the numbers that
   * clients read stay ASCII: a range download's {@code Content-Range} and a filter's problem's
   * {@code status}. Before, they were formatted by the host's language, {@code bytes ٠-١/٤}, which
   * no client parses, and a problem whose JSON was not JSON.
   */
  @Test
  void shouldWriteTheNumbersClientsReadInAsciiOnAnArabicHost(@TempDir Path data) throws Exception {
    byte[] content = {1, 2, 3, 4};
    String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    try (ServiceJvm service = onHostOf(data, "ar", "EG")) {
      HttpResponse<String> declared = declared(service, sha256);
      String uploadUrl = declared.body().replaceFirst(".*\"uploadUrl\":\"([^\"]*)\".*", "$1");
      HttpResponse<String> uploaded =
          send(
              service,
              HttpRequest.newBuilder(URI.create(service.url() + uploadUrl))
                  .header("Content-Type", "application/octet-stream")
                  .PUT(BodyPublishers.ofByteArray(content)));
      assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(200);

      HttpResponse<String> range =
          send(
              service,
              HttpRequest.newBuilder(URI.create(service.url() + uploadUrl))
                  .header("Range", "bytes=0-1"));
      assertThat(range.statusCode()).isEqualTo(206);
      assertThat(range.headers().firstValue("Content-Range")).hasValue("bytes 0-1/4");

      HttpResponse<String> notAcceptable =
          send(
              service,
              HttpRequest.newBuilder(URI.create(service.url() + "/v1/namespaces"))
                  .header("Accept", "application/json;q=x, /"));
      assertThat(notAcceptable.statusCode()).isEqualTo(406);
      assertThat(notAcceptable.body()).contains("\"status\":406");
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

  /** A mega-cache artifact of 4 bytes declared under {@link #DESCRIPTOR}: answered 201. */
  private static HttpResponse<String> declared(ServiceJvm service, String sha256) throws Exception {
    HttpResponse<String> declared =
        post(
            service,
            "/artifacts",
            "{\"kind\":\"mega-cache\",\"descriptor\":%s,\"sha256\":\"%s\",\"sizeBytes\":4}"
                .formatted(DESCRIPTOR, sha256));
    assertThat(declared.statusCode()).as(declared.body()).isEqualTo(201);
    return declared;
  }

  private static HttpResponse<String> post(ServiceJvm service, String path, String json)
      throws Exception {
    return send(
        service,
        HttpRequest.newBuilder(URI.create(service.url() + "/v1/namespaces/default" + path))
            .header("Content-Type", "application/json")
            .POST(BodyPublishers.ofString(json)));
  }

  private static HttpResponse<String> send(ServiceJvm service, HttpRequest.Builder request)
      throws Exception {
    return HttpClient.newHttpClient()
        .send(
            request.header("Authorization", "Bearer " + EmbeddedInfra.ADMIN_TOKEN).build(),
            BodyHandlers.ofString());
  }
}
