package dev.pt2cache.lookup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class LookupApiTest extends ServiceTest {

  final String model = Descriptors.uniqueModel();
  final String descriptor = Descriptors.of(model);

  @Test
  void shouldMissWithTheKeyToUploadUnder() {
    JsonNode miss = lookup(descriptor);
    assertThat(miss.get("hit").asBoolean()).isFalse();
    assertThat(miss.get("miss").get("reason").asString()).isEqualTo("not-found");
    assertThat(miss.has("artifact")).isFalse();

    JsonNode uploaded = uploadMegaCache(descriptor, Fixtures.GPT2.bytes()).json();
    assertThat(uploaded.get("key").asString()).isEqualTo(miss.get("key").asString());
  }

  @Test
  void shouldDeriveTheDocumentedKey() {
    String documented =
        """
        {"model": {"name": "resnet50", "version": "1"},
         "software": {"torch": "2.11.0+cu130", "triton": "3.6.0", "cuda": "13.0", "python": "3.12.3"},
         "hardware": {"gpu": "NVIDIA H100 80GB HBM3", "capability": "9.0"},
         "compile": {"backend": "inductor", "mode": "default", "dynamic": false}}
        """;
    assertThat(lookup(documented).get("key").asString())
        .isEqualTo("7ca75c77f48e57955b98cdbd020e4e6af5c372b8a0fa0088ca901ed98a136765");
  }

  @Test
  void shouldHitWhatAnIdenticalNodeUploaded() {
    JsonNode uploaded = uploadMegaCache(descriptor, Fixtures.GPT2.bytes()).json();

    JsonNode hit = lookup(descriptor);
    assertThat(hit.get("hit").asBoolean()).isTrue();
    JsonNode artifact = hit.get("artifact");
    assertThat(artifact.get("id").asString()).isEqualTo(uploaded.get("id").asString());
    assertThat(artifact.get("sha256").asString()).isEqualTo(Fixtures.GPT2.sha256());
    assertThat(api.get(artifact.get("downloadUrl").asString()).body())
        .isEqualTo(Fixtures.GPT2.bytes());
    await()
        .atMost(Duration.ofSeconds(30)) // a flush every 100 ms; a loaded machine may delay it
        .untilAsserted(
            () -> {
              JsonNode after = api.get(path("/artifacts/" + artifact.get("id").asString())).json();
              assertThat(after.get("hitCount").asLong()).isEqualTo(1);
              assertThat(after.has("lastHitAt")).isTrue();
            });
  }

  @Test
  void shouldExplainAMissByTheClosestStoredDescriptor() {
    uploadMegaCache(descriptor, Fixtures.randomBytes(100));
    String newerTorch = Descriptors.of(model, "1", "2.11.1+cu130", "NVIDIA H100 80GB HBM3");

    JsonNode closest = lookup(newerTorch).get("miss").get("closest");
    assertThat(closest.get("differences").size()).isEqualTo(1);
    JsonNode difference = closest.get("differences").get(0);
    assertThat(difference.get("field").asString()).isEqualTo("software.torch");
    assertThat(difference.get("requested").asString()).isEqualTo("2.11.1+cu130");
    assertThat(difference.get("stored").asString()).isEqualTo("2.11.0+cu130");
  }

  /**
   * Hardware kept apart: what one GPU compiled is never served to another, whose lookup misses
   * under a key of its own and names the hardware as what differs.
   */
  @Test
  void shouldNotServeWhatAnotherGpuCompiled() {
    JsonNode uploaded = uploadMegaCache(descriptor, Fixtures.GPT2.bytes()).json();
    String otherGpu = Descriptors.of(model, "1", "2.11.0+cu130", "NVIDIA A100-SXM4-80GB");

    JsonNode miss = lookup(otherGpu);
    assertThat(miss.get("hit").asBoolean()).isFalse();
    assertThat(miss.get("key").asString()).isNotEqualTo(uploaded.get("key").asString());
    JsonNode closest = miss.get("miss").get("closest");
    assertThat(closest.get("artifactId").asString()).isEqualTo(uploaded.get("id").asString());
    assertThat(closest.get("differences").get(0).get("field").asString()).isEqualTo("hardware.gpu");
    assertThat(
            lookup(descriptor.replace("\"capability\": \"9.0\"", "\"capability\": \"8.0\""))
                .get("hit")
                .asBoolean())
        .as("another compute capability alone")
        .isFalse();
  }

  @Test
  void shouldSayWhenTheKeysArtifactWasInvalidated() {
    uploadMegaCache(descriptor, Fixtures.randomBytes(100));
    api.postJson(
        path("/invalidations"),
        "{\"selector\": {\"modelName\": \"" + model + "\"}, \"reason\": \"retrained\"}");

    JsonNode miss = lookup(descriptor);
    assertThat(miss.get("hit").asBoolean()).isFalse();
    assertThat(miss.get("miss").get("reason").asString()).isEqualTo("invalidated");
    assertThat(miss.get("miss").get("detail").asString())
        .as("a caller's invalidation is named as such, not as the service's own")
        .contains("was invalidated (invalidation ")
        .doesNotContain("damaged");
  }

  @Test
  void shouldSayWhenAnUploadIsInFlight() {
    byte[] bytes = Fixtures.randomBytes(100);
    declareMegaCache(descriptor, bytes);

    assertThat(lookup(descriptor).get("miss").get("reason").asString()).isEqualTo("pending");
  }

  @Test
  void shouldCountHitsAndMissesPerNamespaceAndKind() {
    lookup(descriptor);
    uploadMegaCache(descriptor, Fixtures.randomBytes(100));
    lookup(descriptor);
    lookup(descriptor);

    ApiResponse metrics = api.get("/actuator/prometheus");
    assertThat(metrics.text())
        .containsPattern(lookups("miss") + " 1.0")
        .containsPattern(lookups("hit") + " 2.0");
  }

  /**
   * A ratio of hits to lookups (docs/alerts.yaml, Pt2cacheHitRatioLow) divides the hit series by
   * all of them: where no hit series exists, as on an instance whose lookups in a namespace all
   * missed since it started (a torch upgrade rolled out with it), PromQL finds nothing to divide
   * and the alert meant for exactly that stays silent.
   */
  @Test
  void shouldExportTheHitSeriesAtZeroWhenEveryLookupMissed() {
    lookup(descriptor);

    ApiResponse metrics = api.get("/actuator/prometheus");
    assertThat(metrics.text())
        .containsPattern(lookups("miss") + " 1.0")
        .containsPattern(lookups("hit") + " 0.0");
  }

  private String lookups(String result) {
    return "pt2cache_lookups_total\\{[^}]*kind=\"mega-cache\"[^}]*namespace=\""
        + ns
        + "\"[^}]*result=\""
        + result
        + "\"[^}]*}";
  }

  @Test
  void shouldRefuseADescriptorLookupOfAKeyAddressedKind() {
    assertProblem(
        api.postJson(path("/lookups"), Descriptors.lookup("fx-graph", descriptor)),
        400,
        "invalid-request");
  }

  private JsonNode lookup(String descriptor) {
    ApiResponse response =
        api.postJson(path("/lookups"), Descriptors.lookup("mega-cache", descriptor));
    assertThat(response.status()).as(response.text()).isEqualTo(200);
    return response.json();
  }
}
