package dev.pt2cache.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pt2cache.blob.BlobLocks;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;

/**
 * An invalidation that lands while an upload commits is never undone by that commit; a reservation
 * that expired and was dropped while its bytes streamed is answered as expired.
 */
class CommitRaceTest extends ServiceTest {

  @Autowired DataSource dataSource;
  @Autowired BlobLocks blobLocks;
  @Autowired TransactionTemplate transactions;

  @Test
  void shouldKeepAnInvalidationThatRacesTheCommit() throws Exception {
    String model = Descriptors.uniqueModel();
    String descriptor = Descriptors.of(model);
    byte[] bytes = Fixtures.randomBytes(1000);
    String sha256 = Fixtures.sha256(bytes);
    JsonNode pending = declareMegaCache(descriptor, bytes).json();

    CompletableFuture<ApiResponse> upload;
    CompletableFuture<ApiResponse> invalidation;
    try (Connection held = dataSource.getConnection()) {
      // hold the blob's row, so that the upload's commit stops there, its artifact row locked
      held.setAutoCommit(false);
      try (PreparedStatement lock =
          held.prepareStatement("insert into blob (sha256, size_bytes) values (?, ?)")) {
        lock.setString(1, sha256);
        lock.setLong(2, bytes.length);
        lock.executeUpdate();
      }
      upload =
          CompletableFuture.supplyAsync(
              () -> api.putBytes(pending.get("uploadUrl").asString(), bytes));
      awaitWaiters(1);
      invalidation =
          CompletableFuture.supplyAsync(
              () ->
                  api.postJson(
                      path("/invalidations"),
                      "{\"selector\": {\"modelName\": \"" + model + "\"}, \"reason\": \"race\"}"));
      awaitWaiters(2);
      held.rollback();
    }

    assertThat(upload.get().status()).isEqualTo(200);
    assertThat(invalidation.get().json().get("invalidated").asLong()).isEqualTo(1);
    String id = pending.get("id").asString();
    assertThat(api.get(path("/artifacts/" + id)).json().get("state").asString())
        .isEqualTo("invalidated");
    ApiResponse lookup =
        api.postJson(path("/lookups"), Descriptors.lookup("mega-cache", descriptor));
    assertThat(lookup.json().get("hit").asBoolean()).isFalse();
  }

  /**
   * Purge drops a pending artifact once its reservation has expired, even while its bytes are still
   * on the way (an upload of many gigabytes started just before the expiry). The upload's commit
   * then finds nothing: it answers 410 reservation-expired, not an unexplained 404.
   */
  @Test
  void shouldAnswerExpiredWhenPurgeDroppedTheReservationDuringTheUpload() throws Exception {
    ApiResponse answer =
        uploadWhileTheRowGoes(
            "update artifact set upload_expires_at = now() + interval '1 second' where id = ?::uuid",
            true);
    assertProblem(answer, 410, "reservation-expired");
    assertThat(answer.json().get("detail").asString()).contains("start the upload again");
  }

  /** The row of an unexpired reservation goes only when its upload failed or was superseded. */
  @Test
  void shouldAnswerGoneWhenTheReservationWasDroppedBeforeItExpired() throws Exception {
    ApiResponse answer = uploadWhileTheRowGoes(null, false);
    assertProblem(answer, 404, "artifact-not-found");
    assertThat(answer.json().get("detail").asString()).contains("declare the upload again");
  }

  /**
   * Sends an upload whose commit waits on the digest's lock while the pending row is deleted, as
   * purge (or another request) would; {@code before} runs on the row first.
   */
  private ApiResponse uploadWhileTheRowGoes(String before, boolean awaitExpiry) throws Exception {
    byte[] bytes = Fixtures.randomBytes(1000);
    String sha256 = Fixtures.sha256(bytes);
    JsonNode pending = declareMegaCache(Descriptors.of(Descriptors.uniqueModel()), bytes).json();
    String id = pending.get("id").asString();
    if (before != null) {
      jdbc.sql(before).param(id).update();
    }
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    // the digest's lock, which the commit takes before it reads its artifact
    CompletableFuture<Void> holder =
        CompletableFuture.runAsync(
            () ->
                transactions.executeWithoutResult(
                    status -> {
                      blobLocks.lock(sha256);
                      held.countDown();
                      awaitQuietly(release);
                    }));
    held.await();
    CompletableFuture<ApiResponse> upload =
        CompletableFuture.supplyAsync(
            () -> api.putBytes(pending.get("uploadUrl").asString(), bytes));
    awaitWaiters(1);
    if (awaitExpiry) {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  jdbc.sql("select upload_expires_at < now() from artifact where id = ?::uuid")
                      .param(id)
                      .query(Boolean.class)
                      .single());
    }
    jdbc.sql("delete from artifact where id = ?::uuid").param(id).update();
    release.countDown();
    holder.get();
    return upload.get();
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
