package dev.pt2cache.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.EmbeddedInfra;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import tools.jackson.databind.JsonNode;

/** The bucket against the metadata: orphan objects removed, lost objects never served. */
class ReconciliationTest extends ServiceTest {

  final byte[] bytes = Fixtures.randomBytes(4000);
  final String sha256 = Fixtures.sha256(bytes);

  @Test
  void shouldRemoveObjectsThatNoMetadataAccountsFor() {
    putBlobObject(sha256, bytes);

    JsonNode outcome = runJob("reconcile");

    assertThat(outcome.get("orphanObjectsDeleted").asLong()).isGreaterThanOrEqualTo(1);
    assertThat(objectKeys(blobKey(sha256))).isEmpty();
  }

  /**
   * After a restore an operator asks which objects went: the record names the first {@value
   * ReconcileJob#NAMED} in digest order, and counts them all. These orphans' digests are made to
   * sort before any real one, so that they are the ones named whatever else the bucket holds.
   */
  @Test
  void shouldNameTheFirstOrphansItDeletedAndCountThemAll() {
    List<String> digests =
        IntStream.range(0, ReconcileJob.NAMED + 5)
            .mapToObj(i -> "00000000" + Fixtures.sha256(Fixtures.randomBytes(32)).substring(8))
            .sorted()
            .toList();
    digests.parallelStream().forEach(digest -> putBlobObject(digest, new byte[] {1}));
    long singleDeletes = storeCalls("DeleteObject");
    long bulkDeletes = storeCalls("DeleteObjects");

    JsonNode outcome = runJob("reconcile");

    assertThat(outcome.get("orphanObjectsDeleted").asLong()).isGreaterThanOrEqualTo(digests.size());
    assertThat(strings(outcome.get("orphanObjectsDeletedDigests")))
        .containsExactlyElementsOf(digests.subList(0, ReconcileJob.NAMED));
    assertThat(objectKeys(blobKey(digests.get(digests.size() - 1)))).isEmpty();
    assertThat(storeCalls("DeleteObject") - singleDeletes)
        .as("orphans deleted a batch a request, not one request each")
        .isZero();
    assertThat(storeCalls("DeleteObjects") - bulkDeletes).isPositive();
    JsonNode recorded =
        api.get("/v1/housekeeping/runs?job=reconcile&limit=1").json().get("items").get(0);
    assertThat(recorded.get("outcome")).as("the stored record names them too").isEqualTo(outcome);
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
    putBlobObject(sha256, bytes);

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
    deleteBlobObject(sha256);

    JsonNode outcome = runJob("reconcile");

    assertThat(outcome.get("blobsFoundMissing").asLong()).isGreaterThanOrEqualTo(1);
    assertThat(strings(outcome.get("blobsFoundMissingDigests"))).contains(sha256);
    assertLostAndReported(descriptor, id, "reconciliation");
  }

  /**
   * A run that finds many contents lost says so in one ERROR line, which counts them and names the
   * first {@value ReconcileJob#NAMED}; each one is logged at WARN, not at ERROR: section 9 of the
   * last review saw 50,000 ERROR lines from one run.
   */
  @Test
  void shouldLogOneErrorLineForAllTheContentItFindsLost() {
    List<String> lost = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      byte[] content = Fixtures.randomBytes(3000 + i);
      uploadMegaCache(Descriptors.of(Descriptors.uniqueModel()), content);
      lost.add(Fixtures.sha256(content));
      deleteBlobObject(lost.get(i));
    }
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    JsonNode outcome = reconcileLoggingTo(logged);

    long missing = outcome.get("blobsFoundMissing").asLong();
    assertThat(missing).isGreaterThanOrEqualTo(lost.size());
    assertThat(strings(outcome.get("blobsFoundMissingDigests"))).containsAll(lost);
    assertThat(logged.list.stream().filter(event -> event.getLevel() == Level.ERROR))
        .singleElement()
        .satisfies(
            line ->
                assertThat(line.getFormattedMessage())
                    .contains(missing + " missing")
                    .contains(lost));
    for (String sha256 : lost) {
      assertThat(logged.list)
          .filteredOn(event -> event.getFormattedMessage().contains(sha256))
          .anySatisfy(event -> assertThat(event.getLevel()).isEqualTo(Level.WARN));
    }
  }

  /**
   * A purge batch that fails after the store deleted its objects keeps their rows (ADR 0030), with
   * nothing ready on them: no loss to anyone. Reconciliation drops such a row without counting or
   * logging a loss; it took it for lost content, at ERROR, and counted it in {@code
   * pt2cache_content_missing_total}.
   */
  @Test
  void shouldDropTheRowOfContentGoneWithNothingReadyOnItWithoutCallingItLost() {
    String model = Descriptors.uniqueModel();
    uploadMegaCache(Descriptors.of(model), bytes);
    api.postJson(
        path("/invalidations"),
        "{\"selector\": {\"modelName\": \"" + model + "\"}, \"reason\": \"retired\"}");
    deleteBlobObject(sha256);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    JsonNode outcome = reconcileLoggingTo(logged);

    assertThat(strings(outcome.get("blobsFoundMissingDigests"))).doesNotContain(sha256);
    assertThat(
            jdbc.sql("select count(*) from blob where sha256 = ?")
                .param(sha256)
                .query(Long.class)
                .single())
        .as("the row dropped")
        .isZero();
    assertThat(logged.list)
        .filteredOn(event -> event.getFormattedMessage().contains(sha256))
        .isNotEmpty()
        .allSatisfy(event -> assertThat(event.getLevel()).isEqualTo(Level.INFO));
    assertThat(api.get(path("/invalidations?limit=100")).text())
        .as("no invalidation recorded for it")
        .doesNotContain(sha256);
  }

  @Test
  void shouldNoticeAMissingObjectAtDownloadAndNeverServeIt() {
    String descriptor = Descriptors.of(Descriptors.uniqueModel());
    JsonNode ready = uploadMegaCache(descriptor, bytes).json();
    deleteBlobObject(sha256);

    assertProblem(api.get(ready.get("downloadUrl").asString()), 404, "content-missing");

    assertLostAndReported(descriptor, ready.get("id").asString(), "download");
  }

  /**
   * Content that two namespaces share is lost for both: a download in one that finds its object
   * missing retires the ready artifacts of the other too, each namespace on an invalidation of its
   * own that counts only its own artifacts, and neither namespace is charged for it afterwards. An
   * upload in either stores the content again.
   */
  @Test
  void shouldRetireLostContentInEveryNamespaceThatHoldsItReadyEachOnItsOwnRecord() {
    String descriptor = Descriptors.of(Descriptors.uniqueModel());
    String here = uploadMegaCache(descriptor, bytes).json().get("id").asString();
    String other = ns + "-shared";
    api.putJson("/v1/namespaces/" + other, "{}");
    String otherEntry = "/v1/namespaces/" + other + "/entries/fx-graph/" + sha256;
    JsonNode there = api.putBytes(otherEntry, bytes, "X-Content-SHA256", sha256).json();
    deleteBlobObject(sha256);

    assertProblem(api.get(there.get("downloadUrl").asString()), 404, "content-missing");

    assertLostAndReported(descriptor, here, "download");
    assertThat(
            api.get(path("/invalidations")).json().get("items").get(0).get("invalidated").asLong())
        .as("this namespace's record counts its own artifact")
        .isEqualTo(1);
    JsonNode otherRecord =
        api.get("/v1/namespaces/" + other + "/invalidations").json().get("items").get(0);
    assertThat(otherRecord.get("selector").get("sha256").asString()).isEqualTo(sha256);
    assertThat(otherRecord.get("invalidated").asLong()).isEqualTo(1);
    assertThat(api.head(otherEntry).status()).isEqualTo(404);
    for (String namespace : List.of(ns, other)) {
      assertThat(api.get("/v1/namespaces/" + namespace).json().get("storedBytes").asLong())
          .as("%s is charged for nothing lost", namespace)
          .isZero();
    }

    assertThat(api.putBytes(otherEntry, bytes, "X-Content-SHA256", sha256).status()).isEqualTo(201);
    assertThat(api.get(otherEntry).body()).isEqualTo(bytes);
    assertThat(api.get(path("/artifacts/" + here)).json().get("state").asString())
        .as("stored again for one namespace, nothing comes back in the other")
        .isEqualTo("invalidated");
  }

  @Test
  void shouldHealWhenTheContentIsUploadedAgain() {
    String descriptor = Descriptors.of(Descriptors.uniqueModel());
    uploadMegaCache(descriptor, bytes);
    deleteBlobObject(sha256);
    runJob("reconcile");

    ApiResponse again = uploadMegaCache(descriptor, bytes);
    assertThat(again.json().get("state").asString()).isEqualTo("ready");
    assertThat(api.get(again.json().get("downloadUrl").asString()).body()).isEqualTo(bytes);
  }

  /**
   * A service pointed at the wrong bucket sees none of its objects: one run must not retire the
   * whole cache. Here more blob rows than a run may retire have no object (the default limit, 1000,
   * is passed by rows written straight to the table), among them a real artifact's.
   */
  @Test
  void shouldChangeNothingWhenTooManyObjectsAreMissing() {
    String descriptor = Descriptors.of(Descriptors.uniqueModel());
    String id = uploadMegaCache(descriptor, bytes).json().get("id").asString();
    deleteBlobObject(sha256);
    String salt = UUID.randomUUID().toString();
    jdbc.sql(
            """
            insert into blob (sha256, size_bytes)
            select encode(sha256(convert_to(:salt || g, 'UTF8')), 'hex'), 1
              from generate_series(1, 1000) g
            """)
        .param("salt", salt)
        .update();
    double haltedBefore = counted("pt2cache.housekeeping.reconcile.halted");

    try {
      JsonNode halted = runJob("reconcile");

      assertThat(halted.get("halted").asString())
          .isEqualTo("more than 1000 blob rows have no object in the bucket");
      assertThat(halted.get("blobsFoundMissing").asLong()).isZero();
      assertThat(strings(halted.get("blobsFoundMissingDigests"))).isEmpty();
      // what it found but did not act on, named so the operator can judge the halt
      List<String> found = strings(halted.get("foundNotActedOn").get("blobsMissing"));
      assertThat(found).hasSize(ReconcileJob.NAMED).isSorted().doesNotHaveDuplicates();
      assertThat(
              jdbc.sql("select count(*) from blob where sha256 = any(:found)")
                  .param("found", found.toArray(String[]::new))
                  .query(Long.class)
                  .single())
          .as("each named digest is a blob row")
          .isEqualTo(ReconcileJob.NAMED);
      assertThat(found).noneMatch(sha256 -> storeHas(sha256));
      assertThat(api.get(path("/artifacts/" + id)).json().get("state").asString())
          .isEqualTo("ready");
      assertThat(api.get(path("/invalidations")).json().get("items").size()).isZero();
      assertThat(counted("pt2cache.housekeeping.reconcile.halted")).isEqualTo(haltedBefore + 1);
      assertThat(metric("pt2cache_housekeeping_runs_seconds_count", ".*outcome=\"halted\".*"))
          .as("the run is timed as halted, not as a success")
          .isGreaterThanOrEqualTo(1);
    } finally {
      // with the cause gone, the next run acts on the one real loss
      jdbc.sql(
              """
              delete from blob where sha256 in (
                select encode(sha256(convert_to(:salt || g, 'UTF8')), 'hex')
                  from generate_series(1, 1000) g)
              """)
          .param("salt", salt)
          .update();
    }
    JsonNode acted = runJob("reconcile");
    assertThat(acted.has("halted")).isFalse();
    assertThat(acted.has("foundNotActedOn")).isFalse();
    assertThat(acted.get("blobsFoundMissing").asLong()).isGreaterThanOrEqualTo(1);
    assertLostAndReported(descriptor, id, "reconciliation");
  }

  /**
   * A service pointed at a database restored from an old backup has no rows for the newer objects:
   * one run must not delete them all.
   */
  @Test
  void shouldChangeNothingWhenTooManyObjectsHaveNoRow() {
    List<String> keys =
        IntStream.rangeClosed(0, 1000)
            .mapToObj(i -> blobKey(Fixtures.sha256(Fixtures.randomBytes(32))))
            .toList();
    keys.parallelStream()
        .forEach(
            key ->
                s3().putObject(
                        b -> b.bucket("pt2cache").key(key), RequestBody.fromBytes(new byte[] {1})));
    try {
      JsonNode halted = runJob("reconcile");

      assertThat(halted.get("halted").asString())
          .isEqualTo("more than 1000 objects in the bucket have no row");
      assertThat(halted.get("orphanObjectsDeleted").asLong()).isZero();
      assertThat(strings(halted.get("orphanObjectsDeletedDigests"))).isEmpty();
      assertThat(objectKeys(keys.get(0))).hasSize(1);
      assertThat(objectKeys(keys.get(1000))).hasSize(1);
    } finally {
      for (int from = 0; from < keys.size(); from += 1000) {
        List<ObjectIdentifier> batch =
            keys.subList(from, Math.min(from + 1000, keys.size())).stream()
                .map(key -> ObjectIdentifier.builder().key(key).build())
                .toList();
        s3().deleteObjects(b -> b.bucket("pt2cache").delete(d -> d.objects(batch)));
      }
    }
  }

  private static boolean storeHas(String sha256) {
    return s3().listObjectsV2(b -> b.bucket(EmbeddedInfra.BUCKET).prefix(blobKey(sha256)))
            .keyCount()
        > 0;
  }

  private static List<String> strings(JsonNode array) {
    assertThat(array).as("a list of digests").isNotNull();
    assertThat(array.isArray()).as("a list of digests").isTrue();
    return array.valueStream().map(JsonNode::asString).toList();
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
    assertThat(counted("pt2cache.content.missing", "found_by", foundBy)).isGreaterThanOrEqualTo(1);
  }

  /** Runs reconcile, the lines its job and {@link ContentLoss} log going to {@code logged} too. */
  private JsonNode reconcileLoggingTo(ListAppender<ILoggingEvent> logged) {
    logged.start();
    List<Logger> loggers =
        List.of(
            (Logger) LoggerFactory.getLogger(ReconcileJob.class),
            (Logger) LoggerFactory.getLogger(ContentLoss.class));
    loggers.forEach(logger -> logger.addAppender(logged));
    try {
      return runJob("reconcile");
    } finally {
      loggers.forEach(logger -> logger.detachAppender(logged));
    }
  }
}
