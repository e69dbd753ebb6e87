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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service answers the same on a host set up unlike ours (UTC, UTF-8, English): the JVM takes
 * its default locale, time zone and charset from the host ({@code LANG=tr_TR.UTF-8} gives {@code
 * tr-TR}, {@code TZ=Pacific/Kiritimati} +14, {@code LANG=C} ASCII on Java 17), and the contract's
 * words, numbers and times must not follow them, nor what the log writes.
 */
class HostSettingsTest {

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

      HttpResponse<String> lookup = lookup(service);
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
    try (ServiceJvm service = onHostOf(data, "ar", "EG")) {
      String uploadUrl = uploaded(service, new byte[] {1, 2, 3, 4});

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

  /**
   * On a host far east of UTC (Kiritimati, +14), a standing rule that never expires
   * (9999-12-31T23:59:59.999999Z, the latest time the contract takes) leaves lookups in its
   * namespace answered. Before, PostgreSQL wrote the rule's expiry for the lookup in the session's
   * time zone, which pgjdbc sets to the JVM's, as {@code 10000-01-01T13:59:59.999999+14:00}, which
   * no ISO 8601 reader takes: every lookup that found an artifact in the namespace answered 500 (on
   * any host east of UTC, for an expiry in the last hours of 9999).
   *
   * <p>The same host's charset is ASCII ({@code LANG=C}, which Java 17 follows), and the log still
   * writes the rule's reason as given, in UTF-8. Before, each character outside ASCII became {@code
   * ?} ({@code miscompile ??}).
   */
  @Test
  void shouldServeUnderARuleThatNeverExpiresAndLogItsReasonOnAnAsciiHostEastOfUtc(
      @TempDir Path data) throws Exception {
    try (ServiceJvm service =
        onHostWith(
            data,
            Map.of("LANG", "C", "LC_ALL", "C"),
            "-Duser.timezone=Pacific/Kiritimati",
            "-Dfile.encoding=ANSI_X3.4-1968",
            "-Dsun.jnu.encoding=ANSI_X3.4-1968")) {
      uploaded(service, new byte[] {1, 2, 3, 4});
      HttpResponse<String> rule =
          post(
              service,
              "/invalidations",
              """
              {"selector":{"modelName":"vit-b16"},"reason":"miscompile \u00e9\u4e2d","block":true,
               "expiresAt":"9999-12-31T23:59:59.999999Z"}""");
      assertThat(rule.statusCode()).as(rule.body()).isEqualTo(201);

      HttpResponse<String> lookup = lookup(service);
      assertThat(lookup.body()).contains("\"hit\":true");
    }
    assertThat(Files.readString(data.resolve("service.log"), StandardCharsets.UTF_8))
        .contains("blocks matching uploads: miscompile \u00e9\u4e2d");
  }

  private static ServiceJvm onHostOf(Path data, String language, String country) throws Exception {
    return onHostWith(data, "-Duser.language=" + language, "-Duser.country=" + country);
  }

  /** The service with {@code options} on its JVM's command line. */
  private static ServiceJvm onHostWith(Path data, String... options) throws Exception {
    return onHostWith(data, Map.of(), options);
  }

  /** The service with {@code options} on its JVM's command line and {@code env} set. */
  private static ServiceJvm onHostWith(Path data, Map<String, String> env, String... options)
      throws Exception {
    return ServiceJvm.embeddedDefault(
        data, Stream.concat(ServiceJvm.QUICK_START.stream(), Stream.of(options)).toList(), env);
  }

  /** A lookup of {@link #DESCRIPTOR}'s mega-cache artifact: answered 200. */
  private static HttpResponse<String> lookup(ServiceJvm service) throws Exception {
    HttpResponse<String> lookup =
        post(
            service,
            "/lookups",
            "{\"kind\":\"mega-cache\",\"descriptor\":%s}".formatted(DESCRIPTOR));
    assertThat(lookup.statusCode()).as(lookup.body()).isEqualTo(200);
    return lookup;
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

  /** {@code content} uploaded under {@link #DESCRIPTOR}, ready: its content's path. */
  private static String uploaded(ServiceJvm service, byte[] content) throws Exception {
    String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    HttpResponse<String> declared = declared(service, sha256);
    String uploadUrl = declared.body().replaceFirst(".*\"uploadUrl\":\"([^\"]*)\".*", "$1");
    HttpResponse<String> uploaded =
        send(
            service,
            HttpRequest.newBuilder(URI.create(service.url() + uploadUrl))
                .header("Content-Type", "application/octet-stream")
                .PUT(BodyPublishers.ofByteArray(content)));
    assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(200);
    return uploadUrl;
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
