package dev.pt2cache.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.blob.BlobLocks;
import dev.pt2cache.blob.BlobStore;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;

/** The purge job: retired artifacts, expired reservations, unreferenced blobs, stale uploads. */
class GarbageCollectionTest extends ServiceTest {

  @Autowired DataSource dataSource;
  @Autowired BlobStore store;
  @Autowired TransactionTemplate transactions;
  @Autowired HousekeepingProperties properties;
  @Autowired BlobLocks blobLocks;

  final byte[] bytes = Fixtures.randomBytes(3000);
  final String sha256 = Fixtures.sha256(bytes);

  long blobRows(String sha256) {
    return jdbc.sql("select count(*) from blob where sha256 = ?")
        .param(sha256)
        .query(Long.class)
        .single();
  }

  long artifactRows(String id) {
    return jdbc.sql("select count(*) from artifact where id = ?::uuid")
        .param(id)
        .query(Long.class)
        .single();
  }

  /** Stores the content for an artifact, then drops the artifact: the blob is collectable. */
  void storeUnreferenced(byte[] content) {
    String id =
        uploadMegaCache(Descriptors.of(Descriptors.uniqueModel()), content)
            .json()
            .get("id")
            .asString();
    jdbc.sql("delete from artifact where id = ?::uuid").param(id).update();
  }

  /** The end of a collection of one blob, in the collector's transaction: object, row, commit. */
  void finishCollecting(Connection collector, String digest) throws Exception {
    deleteBlobObject(digest);
    try (PreparedStatement delete =
        collector.prepareStatement("delete from blob where sha256 = ?")) {
      delete.setString(1, digest);
      delete.executeUpdate();
    }
    collector.commit();
  }

  void invalidate(String model) {
    api.postJson(
        path("/invalidations"),
        "{\"selector\": {\"modelName\": \"" + model + "\"}, \"reason\": \"retired\"}");
  }

  @Test
  void shouldPurgeRetiredArtifactsAndTheBlobsNothingReferences() {
    String model = Descriptors.uniqueModel();
    String id = uploadMegaCache(Descriptors.of(model), bytes).json().get("id").asString();
    invalidate(model);

    JsonNode outcome = runJob("purge");

    assertThat(outcome.get("retiredArtifactsPurged").asLong()).isGreaterThanOrEqualTo(1);
    assertThat(artifactRows(id)).isZero();
    assertThat(blobRows(sha256)).isZero();
    assertThat(objectKeys(blobKey(sha256))).isEmpty();
    assertThat(api.get(path("")).json().has("lastGcAt")).isTrue();
  }

  @Test
  void shouldForgetOldInvalidationsAndTokensButNeverARuleInForceOrWhatAnArtifactNeeds() {
    UUID plain = oldInvalidation(false, false);
    UUID lifted = oldInvalidation(true, true);
    UUID inForce = oldInvalidation(true, false);
    UUID liftedToday = oldInvalidation(true, false);
    jdbc.sql("update invalidation set lifted_at = now() where id = ?").param(liftedToday).update();
    UUID referenced = oldInvalidation(false, false);
    String model = Descriptors.uniqueModel();
    String id = uploadMegaCache(Descriptors.of(model), bytes).json().get("id").asString();
    // retired by it, and still within its grace period (which is 0 s here: so in the future)
    jdbc.sql(
            "update artifact set state = 'INVALIDATED', invalidation_id = ?,"
                + " invalidated_at = now() + interval '1 hour' where id = ?::uuid")
        .params(referenced, id)
        .update();
    UUID revoked = oldToken("revoked_at");
    UUID expired = oldToken("expires_at");
    UUID live = oldToken(null);

    JsonNode outcome = runJob("purge");

    assertThat(outcome.get("oldInvalidationsDeleted").asLong()).isGreaterThanOrEqualTo(2);
    assertThat(outcome.get("oldTokensDeleted").asLong()).isGreaterThanOrEqualTo(2);
    assertThat(rows("invalidation", plain)).isZero();
    assertThat(rows("invalidation", lifted)).isZero();
    assertThat(rows("invalidation", inForce)).isOne();
    assertThat(rows("invalidation", liftedToday))
        .as("counted from when the rule ended, not from when it was made")
        .isOne();
    assertThat(rows("invalidation", referenced)).isOne();
    assertThat(rows("api_token", revoked)).isZero();
    assertThat(rows("api_token", expired)).isZero();
    assertThat(rows("api_token", live)).isOne();
  }

  private UUID oldInvalidation(boolean blocking, boolean lifted) {
    UUID id = UUID.randomUUID();
    jdbc.sql(
            "insert into invalidation (id, namespace, selector, reason, blocking, lifted_at,"
                + " created_at) values (?, ?, cast(? as jsonb), 'old', ?, ?, now() - interval"
                + " '400 days')")
        .params(
            id,
            ns,
            "{\"modelName\": \"" + Descriptors.uniqueModel() + "\"}",
            blocking,
            lifted
                ? java.sql.Timestamp.from(java.time.Instant.now().minus(Duration.ofDays(399)))
                : null)
        .update();
    return id;
  }

  /** A token made 500 days ago, revoked or expired 400 days ago by the column named, or live. */
  private UUID oldToken(String endedBy) {
    UUID id = UUID.randomUUID();
    jdbc.sql(
            "insert into api_token (id, name, token_sha256, namespace, role, created_at)"
                + " values (?, ?, ?, ?, 'read', now() - interval '500 days')")
        .params(id, "old-" + id, Fixtures.sha256(id.toString().getBytes()), ns)
        .update();
    if (endedBy != null) {
      jdbc.sql("update api_token set " + endedBy + " = now() - interval '400 days' where id = ?")
          .param(id)
          .update();
    }
    return id;
  }

  private long rows(String table, UUID id) {
    return jdbc.sql("select count(*) from " + table + " where id = ?")
        .param(id)
        .query(Long.class)
        .single();
  }

  /**
   * A batch of unreferenced blobs goes with one DeleteObjects request, not one DeleteObject per
   * blob: against a store 15 ms away, 2 * 10^4 blobs took 423 s one by one (ADR 0030).
   */
  @Test
  void shouldDeleteTheObjectsOfABatchInOneStoreRequest() {
    List<byte[]> contents =
        IntStream.range(0, 5).mapToObj(i -> Fixtures.randomBytes(1000 + i)).toList();
    contents.forEach(this::storeUnreferenced);
    long oneByOne = storeCalls("DeleteObject");
    long together = storeCalls("DeleteObjects");

    runJob("purge");

    for (byte[] content : contents) {
      String digest = Fixtures.sha256(content);
      assertThat(blobRows(digest)).isZero();
      assertThat(objectKeys(blobKey(digest))).isEmpty();
    }
    assertThat(storeCalls("DeleteObject")).as("no request per object").isEqualTo(oneByOne);
    assertThat(storeCalls("DeleteObjects")).isGreaterThan(together);
  }

  /**
   * An object the store kept (an error for its key in DeleteObjects' answer) keeps its blob row, so
   * the next run deletes it again; the others of its batch go, rows and objects.
   */
  @Test
  void shouldKeepTheRowOfAnObjectTheStoreKept() {
    byte[] kept = Fixtures.randomBytes(2500);
    String keptDigest = Fixtures.sha256(kept);
    storeUnreferenced(kept);
    storeUnreferenced(bytes);
    BlobStore keeping =
        (BlobStore)
            Proxy.newProxyInstance(
                BlobStore.class.getClassLoader(),
                new Class<?>[] {BlobStore.class},
                (proxy, method, args) ->
                    method.getName().equals("deleteAll")
                        ? store.deleteAll(
                            ((Collection<?>) args[0])
                                .stream()
                                    .map(String.class::cast)
                                    .filter(d -> !d.equals(keptDigest))
                                    .toList())
                        : method.invoke(store, args));
    BlobCollector collector = new BlobCollector(jdbc, keeping, transactions, properties, blobLocks);

    BlobCollector.Batch batch;
    String after = "";
    do {
      batch = collector.collect(after);
      after = batch.last();
    } while (batch.full());

    assertThat(blobRows(sha256)).isZero();
    assertThat(objectKeys(blobKey(sha256))).isEmpty();
    assertThat(blobRows(keptDigest)).isEqualTo(1);
    assertThat(objectKeys(blobKey(keptDigest))).hasSize(1);
    runJob("purge");
    assertThat(blobRows(keptDigest)).as("deleted by the next run").isZero();
    assertThat(objectKeys(blobKey(keptDigest))).isEmpty();
  }

  @Test
  void shouldKeepABlobThatAnotherArtifactStillReferences() {
    String retired = Descriptors.uniqueModel();
    uploadMegaCache(Descriptors.of(retired), bytes);
    uploadMegaCache(Descriptors.of(Descriptors.uniqueModel()), bytes);
    invalidate(retired);

    runJob("purge");

    assertThat(blobRows(sha256)).isEqualTo(1);
    assertThat(objectKeys(blobKey(sha256))).hasSize(1);
  }

  @Test
  void shouldWaitTheGracePeriodBeforePurging() {
    String model = Descriptors.uniqueModel();
    String id = uploadMegaCache(Descriptors.of(model), bytes).json().get("id").asString();
    invalidate(model);
    // as if retired a moment ago under a one-hour grace period
    jdbc.sql("update artifact set invalidated_at = now() + interval '1 hour' where id = ?::uuid")
        .param(id)
        .update();

    runJob("purge");

    assertThat(artifactRows(id)).isEqualTo(1);
    assertThat(objectKeys(blobKey(sha256))).hasSize(1);
  }

  @Test
  void shouldDropExpiredReservations() {
    JsonNode pending = declareMegaCache(Descriptors.of(Descriptors.uniqueModel()), bytes).json();
    String id = pending.get("id").asString();
    jdbc.sql(
            "update artifact set upload_expires_at = now() - interval '1 minute' where id = ?::uuid")
        .param(id)
        .update();

    assertThat(runJob("purge").get("expiredReservationsDropped").asLong())
        .isGreaterThanOrEqualTo(1);
    assertThat(artifactRows(id)).isZero();
    assertProblem(
        api.putBytes(pending.get("uploadUrl").asString(), bytes), 404, "artifact-not-found");
  }

  /**
   * An upload that began just before its reservation expired, and commits long after, while purge
   * has already picked its expired reservation and waits for the row: the commit wins, and the
   * artifact it made ready stays.
   */
  @Test
  void shouldKeepAnExpiredReservationThatACommitMadeReadyWhilePurgeWaitedForIt() throws Exception {
    String id =
        declareMegaCache(Descriptors.of(Descriptors.uniqueModel()), bytes)
            .json()
            .get("id")
            .asString();
    jdbc.sql(
            "update artifact set upload_expires_at = now() - interval '1 minute' where id = ?::uuid")
        .param(id)
        .update();

    CompletableFuture<JsonNode> purge;
    try (Connection commit = dataSource.getConnection()) {
      // what a commit holds while it makes the artifact ready (ArtifactWrites.commit)
      commit.setAutoCommit(false);
      execute(commit, "select id from artifact where id = ?::uuid for update", id);
      purge = CompletableFuture.supplyAsync(() -> runJob("purge"));
      awaitWaiters(1);
      makeReady(commit, id);
      commit.commit();
    }

    purge.get();
    assertThat(stateOf(id)).contains("READY");
  }

  @Test
  void shouldAbortAbandonedMultipartUploads() throws Exception {
    String key = blobKey(sha256);
    s3().createMultipartUpload(b -> b.bucket("pt2cache").key(key));
    assertThat(unfinishedMultipartUploads()).isGreaterThanOrEqualTo(1);
    Thread.sleep(1500); // older than the abandoned-upload age of the tests (1 s)

    assertThat(runJob("purge").get("multipartUploadsAborted").asLong()).isGreaterThanOrEqualTo(1);
    assertThat(unfinishedMultipartUploads()).isZero();
  }

  /**
   * A collection that has decided to delete a blob holds the digest's lock until the object and its
   * row are gone. A reservation of the same content waits for it, so the bytes that upload writes
   * afterwards are never the ones deleted, and its commit need not ask the store whether they are
   * still there (ADR 0011).
   */
  @Test
  void shouldHoldAReservationBackUntilACollectionOfItsContentIsDone() throws Exception {
    storeUnreferenced(bytes);

    CompletableFuture<ApiResponse> reservation;
    try (Connection collector = dataSource.getConnection()) {
      // what the collector holds for one blob: the digest's lock (as BlobLocks takes it), the row
      collector.setAutoCommit(false);
      try (PreparedStatement lock =
          collector.prepareStatement(
              "select pg_advisory_xact_lock(hashtextextended('blob/' || ?, 0))")) {
        lock.setString(1, sha256);
        lock.executeQuery();
      }
      reservation =
          CompletableFuture.supplyAsync(
              () -> declareMegaCache(Descriptors.of(Descriptors.uniqueModel()), bytes));
      awaitWaiters(1);
      assertThat(reservation).isNotDone();
      finishCollecting(collector, sha256);
    }

    JsonNode pending = reservation.get().json();
    assertThat(pending.get("state").asString()).isEqualTo("pending");
    ApiResponse sent = api.putBytes(pending.get("uploadUrl").asString(), bytes);
    assertThat(sent.status()).as(sent.text()).isEqualTo(200);
    assertThat(objectKeys(blobKey(sha256))).hasSize(1);
    assertThat(blobRows(sha256)).isEqualTo(1);
    assertThat(api.get(sent.json().get("downloadUrl").asString()).body()).isEqualTo(bytes);
  }

  /**
   * A copy deleted behind the protocol's back (by an operator, a bucket lifecycle rule or an
   * instance of an older version, none of which respects a pending artifact) while an upload is
   * verified against it. The commit waits on the blob's row, then finds the object gone: nothing
   * becomes ready, and the client is told to send the bytes again, which then succeeds.
   */
  @Test
  void shouldRefuseToCommitOnACopyCollectedDuringTheUpload() throws Exception {
    storeUnreferenced(bytes);
    JsonNode pending = declareMegaCache(Descriptors.of(Descriptors.uniqueModel()), bytes).json();
    String uploadUrl = pending.get("uploadUrl").asString();

    CompletableFuture<ApiResponse> upload;
    try (Connection collector = dataSource.getConnection()) {
      // what the collector does for one blob, in one transaction: lock, delete object, delete row
      collector.setAutoCommit(false);
      try (PreparedStatement lock =
          collector.prepareStatement("select sha256 from blob where sha256 = ? for update")) {
        lock.setString(1, sha256);
        lock.executeQuery();
      }
      upload = CompletableFuture.supplyAsync(() -> api.putBytes(uploadUrl, bytes));
      awaitWaiters(1); // verified against the copy, now waiting to record the blob
      finishCollecting(collector, sha256);
    }

    ApiResponse raced = upload.get();
    assertProblem(raced, 503, "storage-race");
    assertThat(raced.header("Retry-After")).isEqualTo("1");
    assertThat(
            api.get(path("/artifacts/" + pending.get("id").asString()))
                .json()
                .get("state")
                .asString())
        .isEqualTo("pending");

    ApiResponse again = api.putBytes(uploadUrl, bytes);
    assertThat(again.status()).isEqualTo(200);
    assertThat(api.get(again.json().get("downloadUrl").asString()).body()).isEqualTo(bytes);
  }

  /**
   * Invariant 3 under a race: garbage collection deletes an unreferenced blob while an upload of
   * the same content is declared and sent. Whatever the interleaving, the upload succeeds at its
   * first attempt and no artifact ends up ready without its object: the reservation either waits
   * for the collection (and the bytes are stored again) or holds the blob off it (and the bytes are
   * verified against the copy).
   */
  @Test
  void shouldNeverMakeAnArtifactReadyOnACollectedBlob() throws Exception {
    List<String> outcomes = new ArrayList<>();
    for (int round = 0; round < 40; round++) {
      byte[] content = Fixtures.randomBytes(2000 + round);
      String digest = Fixtures.sha256(content);
      storeUnreferenced(content);

      double stored = storedContents();
      CompletableFuture<JsonNode> collection = CompletableFuture.supplyAsync(() -> runJob("purge"));
      Thread.sleep(ThreadLocalRandom.current().nextInt(25)); // lands anywhere in the collection
      JsonNode pending =
          declareMegaCache(Descriptors.of(Descriptors.uniqueModel()), content).json();
      ApiResponse sent = api.putBytes(pending.get("uploadUrl").asString(), content);
      collection.get();
      outcomes.add(
          sent.status()
              + (storedContents() > stored ? " stored again" : " verified against the copy"));
      assertThat(sent.status()).as("round %d: %s", round, sent.text()).isEqualTo(200);
      assertThat(objectKeys(blobKey(digest))).as("round %d", round).hasSize(1);
      assertThat(blobRows(digest)).isEqualTo(1);
      assertThat(api.get(sent.json().get("downloadUrl").asString()).body()).isEqualTo(content);
    }
    System.out.println("collection racing uploads: " + outcomes);
  }
}
