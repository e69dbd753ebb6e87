package dev.pt2cache.artifact;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.HeldRows;
import dev.pt2cache.support.LockWaits;
import dev.pt2cache.support.ReadOnlyServer;
import dev.pt2cache.support.SchedulerThreads;
import dev.pt2cache.support.ServiceTest;
import dev.pt2cache.support.TestInfra;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.test.context.TestPropertySource;

/**
 * Hits sent steadily on an artifact idle for an hour while its hits cannot be written: its stored
 * last use does not move, so each hit asks for an early flush ({@link HitRecorder#SOON}). Measured
 * before, with the default flush interval (5 s): while PostgreSQL refused writes, 3 s of hits made
 * one failed flush per {@code SOON} (about 30) instead of one per interval; while a flush waited
 * for a row another session held, each next early flush waited for the recorder's monitor on a
 * scheduler thread of its own, until all of the scheduler's threads (shared with the gauges, the
 * clock's reading, the job locks' keep-alive) waited, and a task scheduled then did not run until
 * the flush gave up.
 */
@TestPropertySource(properties = "pt2cache.hits.flush-interval=5s")
class HitFlushOutageTest extends ServiceTest {

  private static final byte[] ENTRY = "hit while unwritable".getBytes(StandardCharsets.UTF_8);

  @Autowired DataSource dataSource;
  @Autowired HitRecorder hits;
  @Autowired TaskScheduler scheduler;

  @Test
  void shouldNotTryAnEarlyFlushPerHitWhilePostgresqlRefusesWrites() throws Exception {
    idleEntry();
    int served = 60;
    double failed;
    double seconds;
    try {
      ReadOnlyServer.set(jdbc, dataSource, true);
      double failedBefore = counted("pt2cache.hits.flushes.failed");
      long started = System.nanoTime();
      for (int i = 0; i < served; i++) {
        assertThat(api.get(path("/entries/fx-graph/hit")).body()).isEqualTo(ENTRY);
        Thread.sleep(20);
      }
      seconds = (System.nanoTime() - started) / 1e9;
      failed = counted("pt2cache.hits.flushes.failed") - failedBefore;
    } finally {
      ReadOnlyServer.set(jdbc, dataSource, false);
    }
    System.out.printf(
        "read-only: %d hits in %.1f s, %.0f failed flushes%n", served, seconds, failed);
    // one early flush, then the periodic one (every 5 s), and one more for the edges; a flush per
    // SOON (100 ms) would be ten a second
    assertThat(failed).isLessThanOrEqualTo(2 + Math.floor(seconds / 5));

    // writable again: every hit kept is written, once
    while (!hits.written()) {
      Thread.sleep(100);
    }
    assertThat(hitCount()).isEqualTo(served);
  }

  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void shouldKeepTheSchedulerFreeWhileAFlushWaitsForPostgresql() throws Exception {
    idleEntry();
    DriverManagerDataSource direct = direct();
    JdbcClient directly = JdbcClient.create(direct);
    int served;
    long waiting;
    boolean ran;
    try (Connection holder =
        HeldRows.holding(direct, "select 1 from artifact where namespace = ? for update", ns)) {
      assertThat(api.get(path("/entries/fx-graph/hit")).body()).isEqualTo(ENTRY);
      while (!LockWaits.waiting(directly, "update artifact set hit_count")) {
        Thread.sleep(20);
      }
      served = 1 + hitFor(1_500);
      waiting = SchedulerThreads.waitingIn(HitRecorder.class);
      CountDownLatch probe = new CountDownLatch(1);
      scheduler.schedule(probe::countDown, Instant.now());
      // the flush waits for the row up to PT2CACHE_DB_LOCK_WAIT (15 s): a free thread runs the
      // probe at once, a generous 5 s here
      ran = probe.await(5, TimeUnit.SECONDS);
      holder.rollback();
    }
    System.out.printf(
        "row held: %d hits, %d scheduler threads waiting for the recorder, probe ran: %s%n",
        served, waiting, ran);
    assertThat(waiting).as("scheduler threads waiting for the recorder's lock").isZero();
    assertThat(ran).as("a task scheduled while the flush waits runs").isTrue();

    while (!hits.written()) {
      Thread.sleep(100);
    }
    assertThat(hitCount()).isEqualTo(served);
  }

  /** An entry whose artifact was last used an hour ago, as far as the database says. */
  private void idleEntry() {
    assertThat(api.putBytes(path("/entries/fx-graph/hit"), ENTRY).status()).isEqualTo(201);
    jdbc.sql(
            "update artifact set ready_at = now() - interval '1 hour', last_hit_at = null"
                + " where namespace = ?")
        .param(ns)
        .update();
  }

  /** Reads the entry every 20 ms for {@code millis}: how many reads it served. */
  private int hitFor(long millis) throws InterruptedException {
    int served = 0;
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (System.nanoTime() < end) {
      if (Arrays.equals(api.get(path("/entries/fx-graph/hit")).body(), ENTRY)) {
        served++;
      }
      Thread.sleep(20);
    }
    return served;
  }

  private long hitCount() {
    return jdbc.sql("select hit_count from artifact where namespace = ?")
        .param(ns)
        .query(Long.class)
        .single();
  }

  /** A session of the test's own. */
  private static DriverManagerDataSource direct() {
    Map<String, String> env = TestInfra.serviceEnvironment();
    return new DriverManagerDataSource(
        env.get("PT2CACHE_DB_URL"), env.get("PT2CACHE_DB_USER"), env.get("PT2CACHE_DB_PASSWORD"));
  }
}
