package dev.pt2cache.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pt2cache.blob.BlobLocks;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.EmbeddedInfra;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import dev.pt2cache.support.TaskThreads;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
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

  /**
   * A thread for each task, as CompletableFuture's default gave on Java 17 where the common pool
   * has one worker (2 cores): from Java 23 its tasks queue on that worker, and the holder of the
   * digest's lock, waiting to be let go, kept the upload from starting (TaskThreads).
   */
  @RegisterExtension final TaskThreads threads = new TaskThreads();

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
              () -> api.putBytes(pending.get("uploadUrl").asString(), bytes), threads);
      awaitWaiters(1);
      invalidation =
          CompletableFuture.supplyAsync(
              () ->
                  api.postJson(
                      path("/invalidations"),
                      "{\"selector\": {\"modelName\": \"" + model + "\"}, \"reason\": \"race\"}"),
              threads);
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
   * A client retries its upload while the first attempt commits: the retry sees another artifact
   * holding the key and drops its reservation, but the first attempt's commit, finding that holder
   * evicted meanwhile, made the reservation ready. The ready artifact stays.
   */
  @Test
  void shouldKeepTheArtifactACommitMadeReadyWhileARetryDropsItsReservation() throws Exception {
    String descriptor = Descriptors.of(Descriptors.uniqueModel());
    byte[] first = Fixtures.randomBytes(1000);
    JsonNode reserved = declareMegaCache(descriptor, first).json();
    String id = reserved.get("id").asString();
    String holder =
        uploadMegaCache(descriptor, Fixtures.randomBytes(1000)).json().get("id").asString();

    CompletableFuture<ApiResponse> retry;
    try (Connection commit = dataSource.getConnection()) {
      commit.setAutoCommit(false);
      // what the first attempt's commit holds: the reservation's row
      execute(commit, "select id from artifact where id = ?::uuid for update", id);
      retry =
          CompletableFuture.supplyAsync(
              () -> api.putBytes(reserved.get("uploadUrl").asString(), first), threads);
      awaitWaiters(1);
      execute(
          commit,
          "update artifact set state = 'EVICTED', evicted_at = now(), eviction_reason = 'QUOTA'"
              + " where id = ?::uuid",
          holder);
      makeReady(commit, id);
      commit.commit();
    }
    retry.get();

    assertThat(stateOf(id)).contains("READY");
  }

  /**
   * An upload checked against a copy already stored, whose reservation and that copy both went
   * while its bytes streamed, records no blob for an object it never wrote: reconciliation would
   * report it as content lost.
   */
  @Test
  void shouldRecordNoBlobForBytesOnlyCheckedAgainstACopyThatWent() throws Exception {
    byte[] bytes = Fixtures.randomBytes(2000);
    String sha256 = Fixtures.sha256(bytes);
    // the stored copy in another namespace, so that this one's upload sends its bytes to be checked
    String other = ns + "-copy";
    assertThat(api.putJson("/v1/namespaces/" + other, "{}").status()).isIn(200, 201);
    ApiResponse declared =
        api.postJson(
            "/v1/namespaces/" + other + "/artifacts",
            Descriptors.upload(
                "mega-cache", Descriptors.of(Descriptors.uniqueModel()), sha256, bytes.length));
    assertThat(api.putBytes(declared.json().get("uploadUrl").asString(), bytes).status())
        .isEqualTo(200);
    String copy = declared.json().get("id").asString();
    JsonNode reserved = declareMegaCache(Descriptors.of(Descriptors.uniqueModel()), bytes).json();

    CompletableFuture<ApiResponse> upload;
    try (Connection collector = dataSource.getConnection()) {
      collector.setAutoCommit(false);
      // the digest's lock, as the collector takes it; the upload's commit waits for it
      execute(collector, "select pg_advisory_xact_lock(hashtextextended('blob/' || ?, 0))", sha256);
      upload =
          CompletableFuture.supplyAsync(
              () -> api.putBytes(reserved.get("uploadUrl").asString(), bytes), threads);
      awaitWaiters(1);
      execute(collector, "delete from artifact where id = ?::uuid", reserved.get("id").asString());
      execute(collector, "delete from artifact where id = ?::uuid", copy);
      s3().deleteObject(b -> b.bucket(EmbeddedInfra.BUCKET).key(blobKey(sha256)));
      execute(collector, "delete from blob where sha256 = ?", sha256);
      collector.commit();
    }
    assertThat(upload.get().status()).isEqualTo(404);

    assertThat(
            jdbc.sql("select count(*) from blob where sha256 = ?")
                .param(sha256)
                .query(Long.class)
                .single())
        .as("blob rows for a digest whose object is gone, which reconciliation reports as lost")
        .isZero();
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
                    }),
            threads);
    CompletableFuture<ApiResponse> upload;
    try {
      assertThat(held.await(20, TimeUnit.SECONDS)).as("the digest's lock taken").isTrue();
      upload =
          CompletableFuture.supplyAsync(
              () -> api.putBytes(pending.get("uploadUrl").asString(), bytes), threads);
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
    } finally {
      release.countDown(); // a failed wait above must not leave the lock held for the next test
    }
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
