package dev.pt2cache.artifact;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.LogLines;
import dev.pt2cache.support.ServiceTest;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * What an operator reads of uploads: the lines they log (under the logger {@code
 * dev.pt2cache.artifact.UploadService}, which {@code logging.level} settings name) and what they
 * count, for each way bytes end (stored, verified against a copy, stored again, refused), and what
 * a refused entry leaves behind (nothing).
 */
class UploadSignalsTest extends ServiceTest {

  static final String LOGGER = "dev.pt2cache.artifact.UploadService";

  final byte[] bytes = Fixtures.randomBytes(5_000);
  final String sha256 = Fixtures.sha256(bytes);

  @Test
  void shouldLogTheCommitAtInfoAndCountTheBytesStoredOnce() {
    String uploadUrl = declared();
    double stored = storedContents();
    double deduplicated = deduplicatedContents();
    double received = received();

    ApiResponse put;
    try (LogLines lines = LogLines.capture()) {
      put = api.putBytes(uploadUrl, bytes);
      assertThat(put.status()).as(put.text()).isEqualTo(200);
      assertThat(lines.messages(Level.INFO, LOGGER))
          .containsExactly("upload committed: ready artifact " + put.json().get("id").asString());
      assertThat(lines.messages(Level.WARN, LOGGER)).isEmpty();
    }
    assertThat(storedContents() - stored).as("stored").isEqualTo(1);
    assertThat(deduplicatedContents() - deduplicated).as("deduplicated").isZero();
    assertThat(received() - received).as("bytes in").isEqualTo(bytes.length);
  }

  @Test
  void shouldCountBytesVerifiedAgainstAnotherNamespacesCopyAsDeduplicated() {
    String other = ns + "-other";
    api.putJson("/v1/namespaces/" + other, "{}");
    String there = "/v1/namespaces/" + other + "/entries/fx-graph/pt2-sig-" + UUID.randomUUID();
    assertThat(api.putBytes(there, bytes, "X-Content-SHA256", sha256).status()).isEqualTo(201);
    double stored = storedContents();
    double deduplicated = deduplicatedContents();

    ApiResponse put = api.putBytes(declared(), bytes);

    assertThat(put.status()).as(put.text()).isEqualTo(200);
    assertThat(deduplicatedContents() - deduplicated).as("deduplicated").isEqualTo(1);
    assertThat(storedContents() - stored).as("stored").isZero();
  }

  @Test
  void shouldWarnOfBytesThatAreNotTheContentWhetherStoredOrOnlyVerified() {
    String uploadUrl = declared();
    byte[] other = Fixtures.randomBytes(bytes.length);
    try (LogLines lines = LogLines.capture()) {
      assertProblem(api.putBytes(uploadUrl, other), 422, "digest-mismatch");
      assertRejectedOnce(lines);
    }
    assertThat(api.putBytes(uploadUrl, bytes).status()).isEqualTo(200);
    try (LogLines lines = LogLines.capture()) {
      // sent again to the ready artifact: verified against the stored copy only
      assertProblem(api.putBytes(uploadUrl, other), 422, "digest-mismatch");
      assertRejectedOnce(lines);
      assertThat(lines.messages(Level.INFO, LOGGER)).isEmpty();
    }
  }

  @Test
  void shouldWarnOfAReadyArtifactsLostObjectAndCountItsBytesStoredAgainOnce() {
    String uploadUrl = declared();
    assertThat(api.putBytes(uploadUrl, bytes).status()).isEqualTo(200);
    deleteBlobObject(sha256);
    double stored = storedContents();
    double received = received();

    try (LogLines lines = LogLines.capture()) {
      ApiResponse again = api.putBytes(uploadUrl, bytes);
      assertThat(again.status()).as(again.text()).isEqualTo(200);
      assertThat(lines.messages(Level.WARN, LOGGER))
          .containsExactly(
              "content "
                  + sha256
                  + " of a ready artifact was missing from storage: storing it again from this"
                  + " upload");
      assertThat(lines.messages(Level.INFO, LOGGER)).as("no commit").isEmpty();
    }
    assertThat(storedContents() - stored).as("stored").isEqualTo(1);
    assertThat(received() - received).as("bytes in, counted once").isEqualTo(bytes.length);
  }

  @Test
  void shouldLeaveNoReservationOfAnEntryWhoseBytesAreNotItsDigest() {
    String key = "pt2-sig-" + UUID.randomUUID();
    byte[] other = Fixtures.randomBytes(bytes.length);

    ApiResponse put =
        api.putBytes(path("/entries/fx-graph/" + key), other, "X-Content-SHA256", sha256);

    assertProblem(put, 422, "digest-mismatch");
    assertThat(
            jdbc.sql("select count(*) from artifact where cache_key = ?")
                .param(key)
                .query(Long.class)
                .single())
        .as("artifact rows of the key, pending included")
        .isZero();
  }

  private void assertRejectedOnce(LogLines lines) {
    assertThat(lines.messages(Level.WARN, LOGGER))
        .singleElement()
        .asString()
        .startsWith("upload rejected: ")
        .contains(sha256);
  }

  private String declared() {
    JsonNode pending = declareMegaCache(Descriptors.of(Descriptors.uniqueModel()), bytes).json();
    assertThat(pending.get("state").asString()).isEqualTo("pending");
    return pending.get("uploadUrl").asString();
  }

  private double deduplicatedContents() {
    return counted("pt2cache.uploads.content", "outcome", "deduplicated");
  }

  private double received() {
    return counted("pt2cache.transfer.bytes", "direction", "in", "namespace", ns);
  }
}
