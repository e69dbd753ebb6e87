package dev.pt2cache.entry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The key-value face PyTorch's remote caches use, with keys shaped like PyTorch's. */
class EntryApiTest extends ServiceTest {

  final String key = "pt2:fx-graph-v1::f" + UUID.randomUUID().toString().replace("-", "") + ":c1";
  final String entry = "/entries/fx-graph/" + key;
  final byte[] bytes = Fixtures.randomBytes(321_000);

  @Test
  void shouldStoreAndServeAnEntry() {
    ApiResponse put = api.putBytes(path(entry), bytes, "X-Content-SHA256", Fixtures.sha256(bytes));
    assertThat(put.status()).isEqualTo(201);
    assertThat(put.json().get("state").asString()).isEqualTo("ready");
    assertThat(put.json().get("key").asString()).isEqualTo(key);

    ApiResponse got = api.get(path(entry));
    assertThat(got.status()).isEqualTo(200);
    assertThat(got.body()).isEqualTo(bytes);
    assertThat(got.header("ETag")).isEqualTo("\"" + Fixtures.sha256(bytes) + "\"");
    String id = put.json().get("id").asString();
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(api.get(path("/artifacts/" + id)).json().get("hitCount").asLong())
                    .isEqualTo(1));
  }

  @Test
  void shouldAnswer304WithoutHoldingAStoreConnection() {
    api.putBytes(path(entry), bytes);
    String etag = "\"" + Fixtures.sha256(bytes) + "\"";
    for (int i = 0; i < 40; i++) { // more than the 16 store connections of the tests
      assertThat(api.get(path(entry), "If-None-Match", etag).status()).isEqualTo(304);
    }
    ApiResponse got =
        api.send(api.request(path(entry)).timeout(Duration.ofSeconds(10)).GET().build());
    assertThat(got.body()).isEqualTo(bytes);
  }

  @Test
  void shouldServeARangeOfAnEntry() {
    api.putBytes(path(entry), bytes);
    ApiResponse part = api.get(path(entry), "Range", "bytes=100-199");
    assertThat(part.status()).isEqualTo(206);
    assertThat(part.body()).isEqualTo(java.util.Arrays.copyOfRange(bytes, 100, 200));
  }

  @Test
  void shouldHashAnEntrySentWithoutDigest() {
    ApiResponse put = api.putBytes(path(entry), bytes);
    assertThat(put.status()).isEqualTo(201);
    assertThat(put.json().get("sha256").asString()).isEqualTo(Fixtures.sha256(bytes));
    assertThat(api.get(path(entry)).body()).isEqualTo(bytes);
  }

  @Test
  void shouldAnswerHeadWithSizeAndDigest() {
    assertThat(api.head(path(entry)).status()).isEqualTo(404);
    api.putBytes(path(entry), bytes);

    ApiResponse head = api.head(path(entry));
    assertThat(head.status()).isEqualTo(200);
    assertThat(head.header("Content-Length")).isEqualTo(Integer.toString(bytes.length));
    assertThat(head.header("ETag")).isEqualTo("\"" + Fixtures.sha256(bytes) + "\"");
    assertThat(head.body()).isEmpty();
  }

  @Test
  void shouldKeepTheFirstWriterBytes() {
    assertThat(api.putBytes(path(entry), bytes).status()).isEqualTo(201);
    assertThat(api.putBytes(path(entry), bytes).status()).isEqualTo(200);
    assertProblem(api.putBytes(path(entry), Fixtures.randomBytes(100)), 409, "key-conflict");
    assertThat(api.get(path(entry)).body()).isEqualTo(bytes);
  }

  @Test
  void shouldKeepTheDescriptorAnEntryCarries() {
    String descriptor = Descriptors.of(Descriptors.uniqueModel()).replaceAll("\\s*\\n\\s*", " ");
    assertThat(api.putBytes(path(entry), bytes, "X-Pt2cache-Descriptor", descriptor).status())
        .isEqualTo(201);

    JsonNode stored = api.get(path("/artifacts?key=" + key)).json().get("items").get(0);
    assertThat(stored.get("descriptor").get("software").get("torch").asString())
        .isEqualTo("2.11.0+cu130");
  }

  @Test
  void shouldRefuseADescriptorHeaderThatIsNotADescriptorAndKeepNothing() {
    String misspelt =
        "{\"model\": {\"name\": \"m\", \"version\": \"1\"}, \"software\": {\"torch\": \"2.11\","
            + " \"cdua\": \"13.0\"}, \"hardware\": {\"gpu\": \"g\"}}";
    for (String malformed : List.of("not json", "null", misspelt)) {
      ApiResponse put = api.putBytes(path(entry), bytes, "X-Pt2cache-Descriptor", malformed);
      assertProblem(put, 400, "malformed-request");
      assertThat(put.json().get("detail").asString()).contains("X-Pt2cache-Descriptor");
    }
    // valid JSON that misses what a descriptor needs, as a body would
    ApiResponse incomplete =
        api.putBytes(path(entry), bytes, "X-Pt2cache-Descriptor", "{\"model\": {\"name\": \"m\"}}");
    assertProblem(incomplete, 400, "invalid-request");
    assertThat(incomplete.json().get("detail").asString()).contains("X-Pt2cache-Descriptor");
    assertThat(api.head(path(entry)).status()).isEqualTo(404);
  }

  @Test
  void shouldMissWithAProblem() {
    assertProblem(api.get(path(entry)), 404, "artifact-not-found");
  }

  @Test
  void shouldRefuseBytesThatAreNotTheDeclaredDigestAndKeepNothing() {
    ApiResponse put =
        api.putBytes(path(entry), bytes, "X-Content-SHA256", Fixtures.sha256(new byte[] {1}));
    assertProblem(put, 422, "digest-mismatch");
    assertThat(api.head(path(entry)).status()).isEqualTo(404);
    assertThat(api.get(path("/artifacts?key=" + key)).json().get("items").isEmpty()).isTrue();
  }

  @Test
  void shouldRefuseDescriptorAddressedKinds() {
    assertProblem(
        api.putBytes(path("/entries/mega-cache/" + key.replace(":", "")), bytes),
        400,
        "invalid-request");
  }

  @Test
  void shouldRefuseAnEntrySentWithoutDigestAboveTheSpoolLimit() {
    assertProblem(api.putBytes(path(entry), new byte[17 * 1024 * 1024]), 413, "payload-too-large");
    assertThat(api.head(path(entry)).status()).isEqualTo(404);
  }
}
