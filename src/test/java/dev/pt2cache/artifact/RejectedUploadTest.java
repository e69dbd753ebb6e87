package dev.pt2cache.artifact;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import dev.pt2cache.support.StoreAssertions;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Bytes that are not what was declared never become servable and leave nothing in the bucket. */
class RejectedUploadTest extends ServiceTest {

  @Test
  void shouldRefuseASinglePartBodyWithAnotherDigest() {
    byte[] declared = Fixtures.randomBytes(50_000);
    byte[] sent = Fixtures.randomBytes(50_000);
    JsonNode pending = declare(declared);

    assertProblem(api.putBytes(uploadUrl(pending), sent), 422, "digest-mismatch");
    assertNothingServable(pending, declared);
  }

  @Test
  void shouldRefuseAMultipartBodyWithAnotherDigestAndAbortItsUpload() {
    byte[] declared = Fixtures.RESNET50.bytes();
    byte[] sent = declared.clone();
    sent[sent.length - 1] ^= 1; // the last byte, in the second part
    JsonNode pending = declare(declared);

    assertProblem(api.putBytes(uploadUrl(pending), sent), 422, "digest-mismatch");
    assertNothingServable(pending, declared);
    assertThat(unfinishedMultipartUploads()).isZero();
  }

  @Test
  void shouldRefuseFewerBytesThanDeclared() {
    byte[] declared = Fixtures.randomBytes(6_000_000); // over the part size: streamed
    JsonNode pending = declare(declared);

    ApiResponse answer = api.putBytes(uploadUrl(pending), Arrays.copyOf(declared, 5_999_999));
    assertProblem(answer, 422, "size-mismatch");
    assertNothingServable(pending, declared);
    assertThat(unfinishedMultipartUploads()).isZero();
  }

  @Test
  void shouldRefuseMoreBytesThanDeclared() {
    byte[] declared = Fixtures.randomBytes(1000);
    JsonNode pending = declare(declared);

    ApiResponse answer = api.putBytes(uploadUrl(pending), Arrays.copyOf(declared, 1001));
    assertProblem(answer, 422, "size-mismatch");
    assertNothingServable(pending, declared);
  }

  @Test
  void shouldAcceptTheRightBytesAfterARejection() {
    byte[] declared = Fixtures.randomBytes(1000);
    JsonNode pending = declare(declared);
    api.putBytes(uploadUrl(pending), Fixtures.randomBytes(1000));

    ApiResponse retried = api.putBytes(uploadUrl(pending), declared);
    assertThat(retried.status()).isEqualTo(200);
    assertThat(api.get(retried.json().get("downloadUrl").asString()).body()).isEqualTo(declared);
  }

  @Test
  void shouldRefuseToReserveMoreThanTheLimit() {
    ApiResponse answer =
        api.postJson(
            path("/artifacts"),
            Descriptors.upload(
                "mega-cache",
                Descriptors.of(Descriptors.uniqueModel()),
                Fixtures.sha256(new byte[0]),
                65L * 1024 * 1024));
    assertProblem(answer, 413, "payload-too-large");
    assertThat(api.get(path("/artifacts")).json().get("items").isEmpty()).isTrue();
  }

  private JsonNode declare(byte[] content) {
    ApiResponse created = declareMegaCache(Descriptors.of(Descriptors.uniqueModel()), content);
    assertThat(created.status()).isEqualTo(201);
    return created.json();
  }

  private static String uploadUrl(JsonNode artifact) {
    return artifact.get("uploadUrl").asString();
  }

  private void assertNothingServable(JsonNode pending, byte[] declared) {
    String id = pending.get("id").asString();
    assertThat(api.get(path("/artifacts/" + id)).json().get("state").asString())
        .isEqualTo("pending");
    assertProblem(api.get(path("/artifacts/" + id + "/content")), 409, "not-ready");
    ApiResponse lookup =
        api.postJson(
            path("/lookups"),
            Descriptors.lookup("mega-cache", pending.get("descriptor").toString()));
    assertThat(lookup.json().get("hit").asBoolean()).isFalse();
    StoreAssertions.assertNoObjectsSettle(() -> objectKeys(blobKey(Fixtures.sha256(declared))));
  }
}
