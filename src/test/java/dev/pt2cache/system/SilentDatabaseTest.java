package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.artifact.HitRecorder;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.HeldRows;
import dev.pt2cache.support.LockWaits;
import dev.pt2cache.support.LogLines;
import dev.pt2cache.support.SchedulerThreads;
import dev.pt2cache.support.ServiceTest;
import dev.pt2cache.support.SilentRelay;
import dev.pt2cache.support.TestInfra;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

/**
 * PostgreSQL that takes a request's statement and then goes silent (a stopped host or backend, a
 * route dropped without a reset, an old primary that stops answering in a failover): the request is
 * answered {@code 503 database-unavailable} once it has waited {@code PT2CACHE_DB_ANSWER_WAIT} for
 * the answer, and its connection is thrown away. Before, pgjdbc's socket had no read timeout: the
 * request, its thread and its pooled connection waited for as long as PostgreSQL said nothing.
 *
 * <p>The instance reaches PostgreSQL through a relay that the test silences. To have a statement in
 * flight at that moment, the test holds the lock the request's first statement waits for from a
 * session of its own, silences the relay, and lets the lock go: PostgreSQL answers into the silent
 * relay.
 */
@TestPropertySource(
    properties = {
      "pt2cache.database.answer-wait=5s",
      // under the answer wait (refused at start otherwise); the test lets the lock go well before
      // it, and a request that had waited it out would be database-busy, which the test refuses
      "pt2cache.database.lock-wait=4s",
      "spring.datasource.hikari.connection-timeout=1000",
      // a housekeeping round's statements wait for an answer at most this (the shortest taken)
      "pt2cache.housekeeping.lock-at-most-for=30s"
    })
class SilentDatabaseTest extends ServiceTest {

  private static final Map<String, String> ENV = TestInfra.serviceEnvironment();
  private static final URI DATABASE =
      URI.create(ENV.get("PT2CACHE_DB_URL").substring("jdbc:".length()));
  private static final SilentRelay RELAY = relay();

  private static SilentRelay relay() {
    try {
      return new SilentRelay(DATABASE.getHost(), DATABASE.getPort());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @DynamicPropertySource
  static void throughTheRelay(DynamicPropertyRegistry registry) {
    registry.add(
        "spring.datasource.url",
        () -> "jdbc:postgresql://127.0.0.1:" + RELAY.port() + DATABASE.getPath());
  }

  @Autowired HitRecorder hits;
  @Autowired TaskScheduler scheduler;

  /** A test that ran out of time left the relay silent: the context's stop needs PostgreSQL. */
  @AfterEach
  void relayForwardsAgain() {
    RELAY.resume();
  }

  /**
   * Every line of the class's cases: the hit recorder writes a failure that recurs once a minute
   * ({@code RecurringFailureLog}), and the namespaces' lookup counters, flushed every 100 ms here,
   * can meet an earlier case's silence and take that minute's line.
   */
  private static LogLines classLog;

  /** Once the service has started: its start sets up the logging again, without this appender. */
  @BeforeEach
  void captureTheClassLog() {
    if (classLog == null) {
      classLog = LogLines.capture();
    }
  }

  @AfterAll
  static void closeRelay() throws IOException {
    if (classLog != null) {
      classLog.close();
    }
    RELAY.close();
  }

  /** A session of the test's own, straight to PostgreSQL, past the relay. */
  private static DriverManagerDataSource direct() {
    return new DriverManagerDataSource(
        ENV.get("PT2CACHE_DB_URL"), ENV.get("PT2CACHE_DB_USER"), ENV.get("PT2CACHE_DB_PASSWORD"));
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void shouldAnswerAnEntryPutWhoseStatementPostgresqlWentSilentOnAsUnavailable() throws Exception {
    byte[] entry = "answered into silence".getBytes(StandardCharsets.UTF_8);
    String lookup = Descriptors.lookup("mega-cache", Descriptors.of(Descriptors.uniqueModel()));
    DriverManagerDataSource direct = direct();
    CompletableFuture<ApiResponse> put;
    try (LogLines log = LogLines.capture()) {
      try (Connection holder =
          HeldRows.holding(
              direct, "select pg_advisory_xact_lock(hashtextextended(?, 0))", "rules:" + ns)) {
        put =
            CompletableFuture.supplyAsync(
                () -> api.putBytes(path("/entries/fx-graph/silent"), entry));
        while (!LockWaits.waiting(JdbcClient.create(direct), "pg_advisory")) {
          Thread.sleep(20);
        }
        RELAY.silence();
        // PostgreSQL goes on with the upload's statement and answers into the silent relay
        holder.rollback();
      }

      ApiResponse silenced = put.get();
      assertProblem(silenced, 503, "database-unavailable");
      assertThat(silenced.header("Retry-After")).isNotBlank();
      // the upload's own failure, not the drop of its pending row that failed after it (before:
      // the pool's "Connection is not available", which named no silence)
      assertThat(log.warnings("dev.pt2cache"))
          .filteredOn(line -> line.startsWith("database failed"))
          .first()
          .asString()
          .startsWith(
              "database failed: PostgreSQL did not answer PUT /v1/namespaces/"
                  + ns
                  + "/entries/fx-graph/silent within PT2CACHE_DB_ANSWER_WAIT");

      ApiResponse readiness = api.get("/actuator/health/readiness");
      assertThat(readiness.status()).as(readiness.text()).isEqualTo(503);
      assertProblem(api.postJson(path("/lookups"), lookup), 503, "database-unavailable");
    } finally {
      RELAY.resume();
    }

    // nothing of the silenced upload stands, and the pool serves again with fresh connections
    assertThat(api.get(path("/entries/fx-graph/silent")).status()).isEqualTo(404);
    ApiResponse again = api.putBytes(path("/entries/fx-graph/silent"), entry);
    assertThat(again.status()).as(again.text()).isEqualTo(201);
    assertThat(api.get(path("/entries/fx-graph/silent")).body()).isEqualTo(entry);
    assertThat(api.postJson(path("/lookups"), lookup).status()).isEqualTo(200);
    assertThat(api.get("/actuator/health/readiness").status()).isEqualTo(200);
  }

  /**
   * What an operator reads of a request PostgreSQL went silent on: one line of the service's that
   * names the read timeout and the request. Before, the rollback on the connection pgjdbc had
   * closed failed, and its failure ("Unable to rollback against JDBC Connection; This connection
   * has been closed") was what the service logged and answered; only Spring's "Application
   * exception overridden by rollback exception", a stack trace for every transaction cut, and
   * HikariCP's "marked as broken", another, named the I/O error.
   */
  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void shouldSayInOneLineThatPostgresqlDidNotAnswerARequestAndWhichOne() throws Exception {
    DriverManagerDataSource direct = direct();
    String change = "{\"maxIdleDays\": 3}";
    ApiResponse silenced;
    try (LogLines log = LogLines.capture()) {
      try {
        try (Connection holder =
            HeldRows.holding(direct, "select 1 from namespace where name = ? for update", ns)) {
          CompletableFuture<ApiResponse> put =
              CompletableFuture.supplyAsync(() -> api.putJson("/v1/namespaces/" + ns, change));
          while (!LockWaits.waiting(JdbcClient.create(direct), "namespace")) {
            Thread.sleep(20);
          }
          RELAY.silence();
          holder.rollback();
          silenced = put.get();
        }
      } finally {
        RELAY.resume();
      }

      assertProblem(silenced, 503, "database-unavailable");
      assertThat(silenced.header("Retry-After")).isNotBlank();
      assertThat(log.warnings("org.springframework.transaction"))
          .as("Spring's stack trace per transaction cut")
          .isEmpty();
      assertThat(log.warnings("com.zaxxer.hikari.pool.ProxyConnection"))
          .as("HikariCP's stack trace per connection cut")
          .isEmpty();
      assertThat(log.warnings("dev.pt2cache"))
          // a hit flush that met the silence by chance says so in a line of its own
          .filteredOn(line -> line.contains("Read timed out") && !line.startsWith("hit statistics"))
          .as("the service's line")
          .singleElement()
          .asString()
          .startsWith(
              "database failed: PostgreSQL did not answer PUT /v1/namespaces/"
                  + ns
                  + " within PT2CACHE_DB_ANSWER_WAIT (An I/O error occurred while sending to the"
                  + " backend. Read timed out)");
    }
    assertThat(api.get("/v1/namespaces/" + ns).json().has("maxIdleDays"))
        .as("nothing of the silenced change stands")
        .isFalse();
    ApiResponse again = api.putJson("/v1/namespaces/" + ns, change);
    assertThat(again.status()).as(again.text()).isEqualTo(200);
  }

  /**
   * The hit flush runs every 100 ms here. Its statement waits for the artifact's row, held by the
   * test; the test silences the relay and lets the row go. Before, the flush waited for PostgreSQL
   * with {@code HitRecorder}'s monitor, which the flush on shutdown and retention wait for.
   */
  @Test
  // a thread of its own: a test blocked on the recorder's monitor ignores an interrupt
  @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void shouldGiveUpAHitFlushThatPostgresqlWentSilentOnAndWriteItsHitsOnce() throws Exception {
    byte[] entry = "hit while silent".getBytes(StandardCharsets.UTF_8);
    assertThat(api.putBytes(path("/entries/fx-graph/hit"), entry).status()).isEqualTo(201);
    JdbcClient directly = JdbcClient.create(direct());
    double failedBefore = counted("pt2cache.hits.flushes.failed");
    LogLines log = LogLines.capture();
    try {
      try (Connection holder =
          HeldRows.holding(direct(), "select 1 from artifact where namespace = ? for update", ns)) {
        assertThat(api.get(path("/entries/fx-graph/hit")).body()).isEqualTo(entry);
        while (!LockWaits.waiting(directly, "update artifact set hit_count")) {
          Thread.sleep(20);
        }
        RELAY.silence();
        holder.rollback();
      }

      assertThat(hits.written()).as("a flush while PostgreSQL says nothing").isFalse();
    } finally {
      RELAY.resume();
      log.close();
    }
    // the silenced flush's update was rolled back when its connection closed: one hit, not two
    assertThat(writtenHitCount(directly)).isEqualTo(1);
    assertThat(log.warnings("org.springframework.transaction")).isEmpty();
    assertThat(counted("pt2cache.hits.flushes.failed") - failedBefore)
        .as("the silenced flush gave up")
        .isGreaterThanOrEqualTo(1);
    // this flush's line, unless a flush an earlier case silenced by chance took the minute's line
    // (the CI of 41a4ed6: the namespaces' lookup counters, 0.1 s before this case began); either
    // way a silenced hit flush says what it met, in these words
    assertThat(log.warnings("dev.pt2cache"))
        .filteredOn(line -> line.contains("Read timed out"))
        .as("the flush's line, at most once")
        .hasSizeLessThanOrEqualTo(1);
    assertThat(classLog.warnings(HitRecorder.class.getName()))
        .filteredOn(line -> line.contains("Read timed out"))
        .as("the silenced flushes' lines")
        .isNotEmpty()
        .allSatisfy(
            line ->
                assertThat(line)
                    .startsWith(
                        "hit statistics could not be written; will retry: PostgreSQL did not answer"
                            + " the hit flush within PT2CACHE_DB_ANSWER_WAIT"));
  }

  /**
   * The hit flush's connection goes silent (its backend stopped, its route dropped) while the
   * others answer and hits on an artifact idle for an hour go on: the flush waits for its answer up
   * to {@code PT2CACHE_DB_ANSWER_WAIT} (5 s here). Measured before: each hit's early flush waited
   * for the recorder's monitor on a scheduler thread of its own, all of them taken, and a task
   * scheduled then waited as long.
   */
  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void shouldKeepTheSchedulerFreeWhileTheHitFlushWaitsForASilentConnection() throws Exception {
    byte[] entry = "hits while the flush waits".getBytes(StandardCharsets.UTF_8);
    assertThat(api.putBytes(path("/entries/fx-graph/hit"), entry).status()).isEqualTo(201);
    JdbcClient directly = JdbcClient.create(direct());
    directly
        .sql("update artifact set ready_at = now() - interval '1 hour' where namespace = ?")
        .param(ns)
        .update();
    long waiting;
    boolean ran;
    try (LogLines log = LogLines.capture()) {
      try {
        try (Connection holder =
            HeldRows.holding(
                direct(), "select 1 from artifact where namespace = ? for update", ns)) {
          assertThat(api.get(path("/entries/fx-graph/hit")).body()).isEqualTo(entry);
          while (!LockWaits.waiting(directly, "update artifact set hit_count")) {
            Thread.sleep(20);
          }
          RELAY.silence(
              directly
                  .sql(
                      """
                      select client_port from pg_stat_activity
                       where wait_event_type = 'Lock' and query like '%update artifact set hit_count%'
                      """)
                  .query(Integer.class)
                  .single());
          holder.rollback();
        }
        for (int i = 0; i < 50; i++) {
          assertThat(api.get(path("/entries/fx-graph/hit")).body()).isEqualTo(entry);
          Thread.sleep(20);
        }
        waiting = SchedulerThreads.waitingIn(HitRecorder.class);
        CountDownLatch probe = new CountDownLatch(1);
        scheduler.schedule(probe::countDown, Instant.now());
        ran = probe.await(3, TimeUnit.SECONDS);
      } finally {
        RELAY.resume();
      }
    }
    System.out.printf(
        "flush silent: %d scheduler threads waiting for the recorder, probe ran: %s%n",
        waiting, ran);
    assertThat(waiting).as("scheduler threads waiting for the recorder's lock").isZero();
    assertThat(ran).as("a task scheduled while the flush waits runs").isTrue();
    assertThat(writtenHitCount(directly)).isEqualTo(51);
  }

  /**
   * One connection goes silent (its backend stopped, its route dropped) while the others answer: a
   * purge round's delete of old run records, waiting for a row the test holds, is answered into the
   * silence. The round gives up after its bound, records its end on another connection, and that
   * record says why. Before, it said "Unable to rollback against JDBC Connection", the rollback on
   * the connection pgjdbc had closed, and the log said the same beside Spring's stack trace.
   */
  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void shouldRecordAHousekeepingRoundThatPostgresqlWentSilentOnAsUnanswered() throws Exception {
    JdbcClient directly = JdbcClient.create(direct());
    long old = oldRun();
    ApiResponse run;
    try (LogLines log = LogLines.capture()) {
      try {
        try (Connection holder =
            HeldRows.holding(
                direct(), "select 1 from housekeeping_run where id = ? for update", old)) {
          CompletableFuture<ApiResponse> asked =
              CompletableFuture.supplyAsync(
                  () -> api.postJson("/v1/housekeeping/jobs/purge/runs", ""));
          while (!LockWaits.waiting(directly, "delete from housekeeping_run")) {
            Thread.sleep(20);
          }
          RELAY.silence(
              directly
                  .sql(
                      """
                      select client_port from pg_stat_activity
                       where wait_event_type = 'Lock' and query like '%delete from housekeeping_run%'
                      """)
                  .query(Integer.class)
                  .single());
          holder.rollback();
          run = asked.get(100, TimeUnit.SECONDS);
        }
      } finally {
        RELAY.resume();
      }
      String said =
          "PostgreSQL did not answer a statement of housekeeping job purge within"
              + " PT2CACHE_JOB_LOCK_TIMEOUT (An I/O error occurred while sending to the backend."
              + " Read timed out)";
      assertThat(run.status()).as(run.text()).isEqualTo(200);
      assertThat(run.json().path("outcome").path("error").asText()).startsWith(said);
      assertThat(
              directly
                  .sql("select outcome ->> 'error' from housekeeping_run where id = ?")
                  .param(run.json().path("id").asLong())
                  .query(String.class)
                  .single())
          .as("the round's record")
          .startsWith(said);
      assertThat(log.warnings("org.springframework.transaction")).isEmpty();
      assertThat(log.warnings("dev.pt2cache"))
          .filteredOn(line -> line.contains("Read timed out"))
          .singleElement()
          .asString()
          .startsWith("housekeeping job purge failed: " + said);
    }
  }

  /** The namespace's artifact's hit count once every hit gathered is written. */
  private long writtenHitCount(JdbcClient directly) throws InterruptedException {
    while (!hits.written()) {
      Thread.sleep(100);
    }
    return directly
        .sql("select hit_count from artifact where namespace = ?")
        .param(ns)
        .query(Long.class)
        .single();
  }

  /** A run record old enough for purge to delete. */
  private static long oldRun() {
    return JdbcClient.create(direct())
        .sql(
            """
            insert into housekeeping_run (job, instance, started_at, finished_at, outcome)
            values ('silenced', 'a test', now() - interval '30 days',
                    now() - interval '30 days', '{}')
            returning id
            """)
        .query(Long.class)
        .single();
  }

  /**
   * A purge round's delete of old run records waits for one the test holds; the test silences the
   * relay and lets the row go. Before, the round waited for PostgreSQL's answer with its thread (a
   * scheduler's, for a scheduled round) and its connection for as long as PostgreSQL said nothing,
   * and the run asked for through the API never answered.
   */
  @Test
  @Timeout(value = 150, unit = TimeUnit.SECONDS)
  void shouldFailAHousekeepingRoundThatPostgresqlWentSilentOnAndRunItAgainOnceItAnswers()
      throws Exception {
    JdbcClient directly = JdbcClient.create(direct());
    long old = oldRun();
    CompletableFuture<ApiResponse> run;
    try {
      try (Connection holder =
          HeldRows.holding(
              direct(), "select 1 from housekeeping_run where id = ? for update", old)) {
        run =
            CompletableFuture.supplyAsync(
                () -> api.postJson("/v1/housekeeping/jobs/purge/runs", ""));
        while (!LockWaits.waiting(directly, "delete from housekeeping_run")) {
          Thread.sleep(20);
        }
        RELAY.silence();
        holder.rollback();
      }
      // answered while PostgreSQL still says nothing: the round gave up on its statement
      ApiResponse silenced = run.get(100, TimeUnit.SECONDS);
      assertThat(silenced.status()).as(silenced.text()).isEqualTo(503);
    } finally {
      RELAY.resume();
    }

    // the next round takes the job's lock once the silenced one's has lapsed, records the
    // silenced run as failed and does its work: the old record is gone
    // (the pool's connections went with the silence: a request in the first moments after it may
    // find none within this test's 1 s connection wait, database-unavailable, as a client would)
    ApiResponse again = api.postJson("/v1/housekeeping/jobs/purge/runs", "");
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (again.status() == 409 || (again.status() == 503 && System.nanoTime() < until)) {
      Thread.sleep(1000);
      again = api.postJson("/v1/housekeeping/jobs/purge/runs", "");
    }
    assertThat(again.status()).as(again.text()).isEqualTo(200);
    assertThat(again.json().path("outcome").has("error")).as(again.text()).isFalse();
    assertThat(
            directly
                .sql("select count(*) from housekeeping_run where id = ?")
                .param(old)
                .query(Long.class)
                .single())
        .isZero();
    assertThat(
            directly
                .sql(
                    """
                    select count(*) from housekeeping_run
                     where job = 'purge' and finished_at is not null and outcome ->> 'error' is not null
                       and id > ?
                    """)
                .param(old)
                .query(Long.class)
                .single())
        .as("the silenced run, recorded as failed")
        .isOne();
  }
}
