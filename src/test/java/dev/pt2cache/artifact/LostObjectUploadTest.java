package dev.pt2cache.artifact;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Uploads of content whose ready artifact's object the store lost (a bucket restored from an older
 * copy, an object deleted by hand or by a lifecycle rule): the bytes they bring are verified and
 * stored again, so that the answer's ready artifact is served, not retired by the next download
 * (docs/adr/0003, amendment "Bytes that a ready artifact holds, its object lost").
 */
class LostObjectUploadTest extends ServiceTest {

  final byte[] bytes = Fixtures.randomBytes(5_000);
  final String sha256 = Fixtures.sha256(bytes);

  @Test
  void shouldStoreAgainAnEntryPutOfTheBytesItsKeyHoldsWhenTheObjectIsGone() {
    String entry = path("/entries/fx-graph/pt2-lost-" + UUID.randomUUID());
    assertThat(api.putBytes(entry, bytes, "X-Content-SHA256", sha256).status()).isEqualTo(201);
    deleteBlobObject(sha256);

    ApiResponse again = api.putBytes(entry, bytes, "X-Content-SHA256", sha256);

    assertThat(again.status()).as(again.text()).isEqualTo(200);
    assertServedAndNothingRetired(entry);
  }

  @Test
  void shouldStoreAgainBytesResentToAReadyArtifactWhoseObjectIsGone() {
    String uploadUrl =
        declareMegaCache(Descriptors.of(Descriptors.uniqueModel()), bytes)
            .json()
            .get("uploadUrl")
            .asString();
    JsonNode ready = api.putBytes(uploadUrl, bytes).json();
    deleteBlobObject(sha256);

    ApiResponse retried = api.putBytes(uploadUrl, bytes);

    assertThat(retried.status()).as(retried.text()).isEqualTo(200);
    assertServedAndNothingRetired(ready.get("downloadUrl").asString());
  }

  @Test
  void shouldStoreAgainBytesSentToAReservationThatAnUploadWhoseObjectIsGoneBeat() {
    String descriptor = Descriptors.of(Descriptors.uniqueModel());
    ApiResponse winner = declareMegaCache(descriptor, bytes);
    String beatenUrl = declareMegaCache(descriptor, bytes).json().get("uploadUrl").asString();
    JsonNode ready = api.putBytes(winner.json().get("uploadUrl").asString(), bytes).json();
    deleteBlobObject(sha256);

    ApiResponse beaten = api.putBytes(beatenUrl, bytes);

    assertThat(beaten.status()).as(beaten.text()).isEqualTo(200);
    assertThat(beaten.json().get("id").asString()).isEqualTo(ready.get("id").asString());
    assertServedAndNothingRetired(ready.get("downloadUrl").asString());
  }

  /**
   * Content another namespace stores, its object gone: the dedup asks the store before it relies on
   * the copy, finds it missing, and stores the bytes (passes before the amendment too).
   */
  @Test
  void shouldStoreTheBytesOfContentAnotherNamespaceRecordsWhenTheObjectIsGone() {
    String other = ns + "-other";
    api.putJson("/v1/namespaces/" + other, "{}");
    String there = "/v1/namespaces/" + other + "/entries/fx-graph/pt2-lost-" + UUID.randomUUID();
    assertThat(api.putBytes(there, bytes, "X-Content-SHA256", sha256).status()).isEqualTo(201);
    deleteBlobObject(sha256);
    String here = path("/entries/fx-graph/pt2-lost-" + UUID.randomUUID());

    ApiResponse stored = api.putBytes(here, bytes, "X-Content-SHA256", sha256);

    assertThat(stored.status()).as(stored.text()).isEqualTo(201);
    assertServedAndNothingRetired(here);
  }

  private void assertServedAndNothingRetired(String download) {
    assertThat(objectKeys(blobKey(sha256))).as("the object is stored again").hasSize(1);
    ApiResponse got = api.get(download);
    assertThat(got.status()).as(got.text()).isEqualTo(200);
    assertThat(got.body()).isEqualTo(bytes);
    assertThat(api.get(path("/invalidations")).json().get("items").size())
        .as("nothing retired as lost")
        .isZero();
  }
}
