package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.artifact.HitRecorder;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.HeldRows;
import dev.pt2cache.support.JobLocks;
import dev.pt2cache.support.ServiceTest;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.sql.Connection;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * A row the service writes, locked by a session that does not end (an instance frozen in the middle
 * of a transaction, an operator's transaction left open): writes that take no advisory lock wait
 * for it at most {@code PT2CACHE_DB_LOCK_WAIT} too (1 s here), then a request is told to try again
 * and a job's round gives up, where before each waited as long as the holder, holding its pooled
 * connection (and, for the hit flush, the lock that the flush on shutdown waits for).
 */
@TestPropertySource(properties = "pt2cache.database.lock-wait=1s")
class RowLockWaitTest extends ServiceTest {

  /** Far above the 1 s bound, far below the holder, who lets go only when the test says. */
  private static final Duration PATIENCE = Duration.ofSeconds(20);

  @Autowired DataSource dataSource;
  @Autowired HitRecorder hits;

  @Test
  void shouldAnswerANamespaceChangeThatWaitedLongForItsRowAsBusy() throws Exception {
    try (Connection holder =
        HeldRows.holding(dataSource, "select 1 from namespace where name = ? for update", ns)) {
      ApiResponse waited = json("PUT", "", "{\"maxIdleDays\": 3}");
      assertProblem(waited, 503, "database-busy");
      assertThat(waited.header("Retry-After")).isNotBlank();
      holder.rollback();
    }
    assertThat(api.get("/v1/namespaces/" + ns).json().has("maxIdleDays"))
        .as("nothing changed")
        .isFalse();
    ApiResponse again = api.putJson("/v1/namespaces/" + ns, "{\"maxIdleDays\": 3}");
    assertThat(again.status()).as(again.text()).isEqualTo(200);
    assertThat(again.json().get("maxIdleDays").asInt()).isEqualTo(3);
  }

  /** A merge patch takes the row lock a PUT takes, and waits for it no longer. */
  @Test
  void shouldAnswerANamespacePatchThatWaitedLongForItsRowAsBusy() throws Exception {
    String namespace = "/v1/namespaces/" + ns;
    try (Connection holder =
        HeldRows.holding(dataSource, "select 1 from namespace where name = ? for update", ns)) {
      ApiResponse waited =
          call("PATCH", namespace, "{\"maxIdleDays\": 3}", "application/merge-patch+json");
      assertProblem(waited, 503, "database-busy");
      assertThat(waited.header("Retry-After")).isNotBlank();
      holder.rollback();
    }
    assertThat(api.get(namespace).json().has("maxIdleDays")).as("nothing changed").isFalse();
    ApiResponse again = api.mergePatch(namespace, "{\"maxIdleDays\": 3}");
    assertThat(again.status()).as(again.text()).isEqualTo(200);
    assertThat(again.json().get("maxIdleDays").asInt()).isEqualTo(3);
  }

  @Test
  void shouldAnswerAnInvalidationThatWaitedLongForAMatchAsBusyAndRetireNothing() throws Exception {
    UUID id = entry("held");
    String body = "{\"selector\": {\"kind\": \"fx-graph\"}, \"reason\": \"bad build\"}";
    try (Connection holder = holdingArtifact(id)) {
      assertProblem(json("POST", "/invalidations", body), 503, "database-busy");
      holder.rollback();
    }
    assertThat(state(id)).isEqualTo("READY");
    ApiResponse again = api.postJson(path("/invalidations"), body);
    assertThat(again.status()).as(again.text()).isEqualTo(201);
    assertThat(again.json().get("invalidated").asInt()).isEqualTo(1);
  }

  @Test
  void shouldAnswerABlockingInvalidationWhoseBatchWaitedLongAsBusyAndFinishItWhenSentAgain()
      throws Exception {
    UUID id = entry("held-by-batch");
    String body =
        "{\"selector\": {\"kind\": \"fx-graph\"}, \"reason\": \"bad build\", \"block\": true}";
    try (Connection holder = holdingArtifact(id)) {
      ApiResponse waited =
          api.send(
              api.request(
                      path("/invalidations"),
                      "Content-Type",
                      "application/json",
                      "Idempotency-Key",
                      "\"once\"")
                  .timeout(PATIENCE)
                  .POST(BodyPublishers.ofString(body))
                  .build());
      assertProblem(waited, 503, "database-busy");
      // its rule committed before the batch waited: the answer says so, not "nothing was changed"
      assertThat(waited.json().get("detail").asText())
          .contains("is recorded and in force", "0 of its matches were retired")
          .contains("send it again with the same Idempotency-Key")
          .doesNotContain("nothing was changed");
      holder.rollback();
    }
    ApiResponse again = api.postJson(path("/invalidations"), body, "Idempotency-Key", "\"once\"");
    assertThat(again.status()).as(again.text()).isEqualTo(200);
    assertThat(state(id)).isEqualTo("INVALIDATED");
  }

  @Test
  void shouldAnswerAReportThatWaitedLongForItsArtifactAsBusy() throws Exception {
    UUID id = entry("reported");
    try (Connection holder = holdingArtifact(id)) {
      ApiResponse waited =
          json("POST", "/artifacts/" + id + "/reports", "{\"problem\": \"load-failed\"}");
      assertProblem(waited, 503, "database-busy");
      holder.rollback();
    }
    assertThat(reportCount(id)).isZero();
  }

  @Test
  void shouldAnswerAClearingOfReportsThatWaitedLongForItsArtifactAsBusy() throws Exception {
    UUID id = entry("cleared");
    String reports = path("/artifacts/" + id + "/reports");
    ApiResponse reported = api.postJson(reports, "{\"problem\": \"load-failed\"}");
    assertThat(reported.status()).as(reported.text()).isEqualTo(201);
    try (Connection holder = holdingArtifact(id)) {
      assertProblem(call("DELETE", reports, ""), 503, "database-busy");
      holder.rollback();
    }
    assertThat(reportCount(id)).isEqualTo(1);
  }

  @Test
  void shouldAnswerALiftThatWaitedLongForItsRuleAsBusy() throws Exception {
    ApiResponse made =
        api.postJson(
            path("/invalidations"),
            "{\"selector\": {\"modelName\": \"none\"}, \"reason\": \"r\", \"block\": true}");
    assertThat(made.status()).as(made.text()).isEqualTo(201);
    UUID rule = UUID.fromString(made.json().get("id").asString());
    String lift = "/invalidations/" + rule + "/lift";
    try (Connection holder =
        HeldRows.holding(dataSource, "select 1 from invalidation where id = ? for update", rule)) {
      assertProblem(json("POST", lift, ""), 503, "database-busy");
      holder.rollback();
    }
    ApiResponse lifted = api.postJson(path(lift), "");
    assertThat(lifted.status()).as(lifted.text()).isEqualTo(200);
    assertThat(lifted.json().has("liftedAt")).isTrue();
  }

  @Test
  void shouldGiveUpAHitFlushThatWaitedLongAndWriteItsHitsLater() throws Exception {
    UUID id = entry("hit");
    try (Connection holder = holdingArtifact(id)) {
      assertThat(api.get(path("/entries/fx-graph/hit")).status()).isEqualTo(200);
      // the scheduled flush (every 100 ms here) and this one: each gives up after the bound,
      // where before the first waited as long as the holder and this one waited for it
      CompletableFuture.runAsync(hits::flush).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
      assertThat(hitCount(id)).isZero();
      holder.rollback();
    }
    hits.flush();
    assertThat(hitCount(id)).as("the hit kept, written once").isEqualTo(1);
  }

  @Test
  void shouldEndAPurgeRoundThatWaitedLongForARowAndPurgeItNextRound() throws Exception {
    UUID id = entry("purged");
    String body = "{\"selector\": {\"artifactIds\": [\"" + id + "\"]}, \"reason\": \"gone\"}";
    assertThat(api.postJson(path("/invalidations"), body).status()).isEqualTo(201);
    try (Connection holder = holdingArtifact(id)) {
      ApiResponse run =
          JobLocks.run("purge", () -> call("POST", "/v1/housekeeping/jobs/purge/runs", ""));
      assertThat(run.status()).as(run.text()).isEqualTo(200);
      assertThat(run.json().get("outcome").has("error")).as(run.text()).isTrue();
      holder.rollback();
    }
    runJob("purge");
    assertThat(state(id)).isNull();
  }

  @Test
  void shouldEndARetentionRoundThatWaitedLongForARowAndEvictNextRound() throws Exception {
    UUID first = entry("oldest", Fixtures.randomBytes(100));
    UUID second = entry("newest", Fixtures.randomBytes(100));
    assertThat(api.putJson("/v1/namespaces/" + ns, "{\"quotaBytes\": 150}").status())
        .isEqualTo(200);
    try (Connection holder = holdingArtifact(first)) {
      ApiResponse run =
          JobLocks.run("retention", () -> call("POST", "/v1/housekeeping/jobs/retention/runs", ""));
      assertThat(run.status()).as(run.text()).isEqualTo(200);
      assertThat(state(first)).isEqualTo("READY");
      holder.rollback();
    }
    runJob("retention");
    assertThat(state(first)).isEqualTo("EVICTED");
    assertThat(state(second)).isEqualTo("READY");
  }

  /**
   * Retention writes this instance's latest hits before it judges anything unused. A hit flush that
   * gave up (another hit's row held) left them unwritten, and the round went on to judge by the
   * database's older last uses: it evicted the artifact just read here as the least recently used.
   * Now the round ends and says so, and the next one, its hits written, evicts the right one.
   */
  @Test
  void shouldJudgeNothingUnusedWhileThisInstancesHitsCouldNotBeWritten() throws Exception {
    UUID read = entry("read-lately", Fixtures.randomBytes(100));
    UUID unread = entry("unread", Fixtures.randomBytes(100));
    UUID held = entry("held-newest", Fixtures.randomBytes(100));
    try (Connection holder = holdingArtifact(held)) {
      // the held row's hit first: every flush from here on has it, and gives up
      assertThat(api.get(path("/entries/fx-graph/held-newest")).status()).isEqualTo(200);
      assertThat(api.get(path("/entries/fx-graph/read-lately")).status()).isEqualTo(200);
      assertThat(api.putJson("/v1/namespaces/" + ns, "{\"quotaBytes\": 250}").status())
          .isEqualTo(200);
      ApiResponse run =
          JobLocks.run("retention", () -> call("POST", "/v1/housekeeping/jobs/retention/runs", ""));
      assertThat(run.status()).as(run.text()).isEqualTo(200);
      assertThat(state(read)).as("read here a moment ago").isEqualTo("READY");
      assertThat(run.json().get("outcome").has("error")).as(run.text()).isTrue();
      holder.rollback();
    }
    runJob("retention");
    assertThat(state(unread)).isEqualTo("EVICTED");
    assertThat(state(read)).isEqualTo("READY");
  }

  private UUID entry(String key) {
    return entry(key, Fixtures.randomBytes(64));
  }

  private UUID entry(String key, byte[] bytes) {
    ApiResponse put = api.putBytes(path("/entries/fx-graph/" + key), bytes);
    assertThat(put.status()).as(put.text()).isEqualTo(201);
    return jdbc.sql("select id from artifact where namespace = ? and cache_key = ?")
        .params(ns, key)
        .query(UUID.class)
        .single();
  }

  private String state(UUID id) {
    return jdbc.sql("select state from artifact where id = ?")
        .param(id)
        .query(String.class)
        .optional()
        .orElse(null);
  }

  private long hitCount(UUID id) {
    return count(id, "hit_count");
  }

  private long reportCount(UUID id) {
    return count(id, "report_count");
  }

  private long count(UUID id, String column) {
    return jdbc.sql("select " + column + " from artifact where id = ?")
        .param(id)
        .query(Long.class)
        .single();
  }

  private ApiResponse json(String method, String rest, String body) {
    return call(method, "/v1/namespaces/" + ns + rest, body);
  }

  private ApiResponse call(String method, String fullPath, String body) {
    return call(method, fullPath, body, "application/json");
  }

  private ApiResponse call(String method, String fullPath, String body, String type) {
    HttpRequest request =
        api.request(fullPath, "Content-Type", type)
            .timeout(PATIENCE)
            .method(method, BodyPublishers.ofString(body))
            .build();
    return api.send(request);
  }

  private Connection holdingArtifact(UUID id) throws Exception {
    return HeldRows.holding(dataSource, "select 1 from artifact where id = ? for update", id);
  }
}
