package dev.pt2cache.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import tools.jackson.databind.JsonNode;

/** The bucket against the metadata: orphan objects removed, lost objects never served. */
class ReconciliationTest extends ServiceTest {

  final byte[] bytes = Fixtures.randomBytes(4000);
  final String sha256 = Fixtures.sha256(bytes);

  @Test
  void shouldRemoveObjectsThatNoMetadataAccountsFor() {
    s3().putObject(b -> b.bucket("pt2cache").key(blobKey(sha256)), RequestBody.fromBytes(bytes));

    JsonNode outcome = runJob("reconcile");

    assertThat(outcome.get("orphanObjectsDeleted").asLong()).isGreaterThanOrEqualTo(1);
    assertThat(objectKeys(blobKey(sha256))).isEmpty();
  }

  /**
   * An upload writes its bytes after its reservation and before its commit, when no blob row
   * accounts for the object yet. Reconciliation must leave such an object alone: the commit does
   * not ask the store again for bytes it has just written (ADR 0011).
   */
  @Test
  void shouldKeepTheObjectOfAnUploadNotYetCommitted() {
    JsonNode pending = declareMegaCache(Descriptors.of(Descriptors.uniqueModel()), bytes).json();
    // the upload's bytes are in the store; its commit has not run yet
    s3().putObject(b -> b.bucket("pt2cache").key(blobKey(sha256)), RequestBody.fromBytes(bytes));

    runJob("reconcile");

    assertThat(objectKeys(blobKey(sha256))).hasSize(1);
    ApiResponse sent = api.putBytes(pending.get("uploadUrl").asString(), bytes);
    assertThat(sent.status()).isEqualTo(200);
    assertThat(api.get(sent.json().get("downloadUrl").asString()).body()).isEqualTo(bytes);
  }

  @Test
  void shouldRetireArtifactsWhoseObjectIsMissingAndSayWhy() {
    String descriptor = Descriptors.of(Descriptors.uniqueModel());
    String id = uploadMegaCache(descriptor, bytes).json().get("id").asString();
    s3().deleteObject(b -> b.bucket("pt2cache").key(blobKey(sha256)));

    assertThat(runJob("reconcile").get("blobsFoundMissing").asLong()).isGreaterThanOrEqualTo(1);

    assertLostAndReported(descriptor, id, "reconciliation");
  }

  @Test
  void shouldNoticeAMissingObjectAtDownloadAndNeverServeIt() {
    String descriptor = Descriptors.of(Descriptors.uniqueModel());
    JsonNode ready = uploadMegaCache(descriptor, bytes).json();
    s3().deleteObject(b -> b.bucket("pt2cache").key(blobKey(sha256)));

    assertProblem(api.get(ready.get("downloadUrl").asString()), 404, "content-missing");

    assertLostAndReported(descriptor, ready.get("id").asString(), "download");
  }

  @Test
  void shouldHealWhenTheContentIsUploadedAgain() {
    String descriptor = Descriptors.of(Descriptors.uniqueModel());
    uploadMegaCache(descriptor, bytes);
    s3().deleteObject(b -> b.bucket("pt2cache").key(blobKey(sha256)));
    runJob("reconcile");

    ApiResponse again = uploadMegaCache(descriptor, bytes);
    assertThat(again.json().get("state").asString()).isEqualTo("ready");
    assertThat(api.get(again.json().get("downloadUrl").asString()).body()).isEqualTo(bytes);
  }

  private void assertLostAndReported(String descriptor, String id, String foundBy) {
    assertThat(api.get(path("/artifacts/" + id)).json().get("state").asString())
        .isEqualTo("invalidated");
    JsonNode lookup =
        api.postJson(path("/lookups"), Descriptors.lookup("mega-cache", descriptor)).json();
    assertThat(lookup.get("hit").asBoolean()).isFalse();
    assertThat(lookup.get("miss").get("reason").asString()).isEqualTo("invalidated");
    JsonNode invalidation = api.get(path("/invalidations")).json().get("items").get(0);
    assertThat(invalidation.get("reason").asString())
        .contains("missing from storage")
        .contains(foundBy);
    assertThat(invalidation.get("selector").get("sha256").asString()).isEqualTo(sha256);
    assertThat(metric("pt2cache_content_missing_total", "[^}]*found_by=\"" + foundBy + "\"[^}]*"))
        .isGreaterThanOrEqualTo(1);
  }
}
