package dev.pt2cache.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.blob.BlobStore;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.EmbeddedInfra;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import tools.jackson.databind.JsonNode;

/**
 * A bucket emptied, or replaced by another, while the instances run: the check at start (ADR 0021)
 * has passed, and without a second one every download retired what it asked for, and reconcile what
 * it listed. Seen by hand: the bucket's objects moved away under a running instance, two pulls
 * retired two artifacts, readiness still up.
 */
class MarkerGoneTest extends ServiceTest {

  final byte[] bytes = Fixtures.randomBytes(4000);
  final String sha256 = Fixtures.sha256(bytes);

  @Test
  void shouldRetireNothingWhileTheBucketLacksTheMarker() {
    String descriptor = Descriptors.of(Descriptors.uniqueModel());
    JsonNode ready = uploadMegaCache(descriptor, bytes).json();
    String id = ready.get("id").asString();
    deleteBlobObject(sha256);
    byte[] marker =
        s3().getObjectAsBytes(b -> b.bucket(EmbeddedInfra.BUCKET).key(BlobStore.MARKER_KEY))
            .asByteArray();
    s3().deleteObject(b -> b.bucket(EmbeddedInfra.BUCKET).key(BlobStore.MARKER_KEY));
    try {
      assertProblem(api.get(ready.get("downloadUrl").asString()), 404, "content-missing");
      JsonNode reconciled = runJob("reconcile");

      assertThat(reconciled.get("halted").asString()).contains("marker");
      assertThat(reconciled.get("blobsFoundMissing").asLong()).isZero();
      assertThat(api.get(path("/artifacts/" + id)).json().get("state").asString())
          .isEqualTo("ready");
      assertThat(api.get(path("/invalidations")).json().get("items").size()).isZero();
    } finally {
      s3().putObject(
              b -> b.bucket(EmbeddedInfra.BUCKET).key(BlobStore.MARKER_KEY),
              RequestBody.fromBytes(marker));
    }
    // the bucket is this deployment's again: the loss is real, and acted on
    assertProblem(api.get(ready.get("downloadUrl").asString()), 404, "content-missing");
    assertThat(api.get(path("/artifacts/" + id)).json().get("state").asString())
        .isEqualTo("invalidated");
  }
}
