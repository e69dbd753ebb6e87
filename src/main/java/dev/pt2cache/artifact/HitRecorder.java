package dev.pt2cache.artifact;

import dev.pt2cache.system.AnswerWait;
import dev.pt2cache.system.LockWait;
import dev.pt2cache.system.RecurringFailureLog;
import dev.pt2cache.system.RowLockOrder;
import dev.pt2cache.system.ServiceClock;
import dev.pt2cache.system.UnansweredStatement;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Last-hit time and hit count of artifacts, and each namespace's lookup hits and misses, gathered
 * in memory and written in one batch per flush interval ({@code pt2cache.hits.flush-interval}, 5 s
 * by default): a hot artifact hit 10,000 times costs one row update per interval, not 10,000. What
 * this instance has not flushed yet is at most one interval stale; it is flushed on shutdown.
 *
 * <p>A hit on an artifact whose stored last use is older than two intervals is written within
 * {@link #SOON} instead: such an artifact may be the next that another instance's {@code retention}
 * evicts as least recently used, which sees only what the database holds. A hit on an artifact used
 * within the last two intervals waits for the next flush as before; a hot artifact's stored last
 * use is at most about one interval old, so it still costs one row update per interval however
 * often it is hit (docs/adr/0006).
 */
@Component
public class HitRecorder {

  private final RecurringFailureLog unwritten =
      new RecurringFailureLog(
          LoggerFactory.getLogger(HitRecorder.class),
          Level.WARN,
          "hit statistics could not be written; will retry",
          Duration.ofMinutes(1));

  private record Hits(long count, Instant last) {
    Hits plus(Hits other) {
      return new Hits(count + other.count, last.isAfter(other.last) ? last : other.last);
    }
  }

  private record Lookups(long hits, long misses) {
    Lookups plus(Lookups other) {
      return new Lookups(hits + other.hits, misses + other.misses);
    }
  }

  /** How soon a hit on an artifact idle for longer than two intervals is written. */
  static final Duration SOON = Duration.ofMillis(100);

  private final ConcurrentHashMap<UUID, Hits> artifactHits = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Lookups> namespaceLookups = new ConcurrentHashMap<>();
  private final JdbcTemplate jdbc;
  private final Counter recorded;
  private final Counter rowsWritten;
  private final Counter flushesFailed;
  private final TaskScheduler scheduler;
  private final Duration interval;
  private final AtomicBoolean flushDue = new AtomicBoolean();

  /** One flush at a time: the periodic one, an early one, the one on shutdown, retention's. */
  private final ReentrantLock lock = new ReentrantLock();

  /**
   * The last flush gave up (PostgreSQL refusing writes or away, a row held too long): no early
   * flush until one succeeds. While writes fail the stored last uses stop moving, and nearly every
   * hit asked for one: measured, one failed flush per {@link #SOON} instead of one per interval,
   * each draining and putting back every pending hit.
   */
  private volatile boolean failing;

  private final ServiceClock clock;
  private final LockWait lockWait;

  HitRecorder(
      JdbcTemplate jdbc,
      MeterRegistry registry,
      TaskScheduler scheduler,
      @Value("${pt2cache.hits.flush-interval:5s}") Duration interval,
      ServiceClock clock,
      LockWait lockWait) {
    this.jdbc = jdbc;
    this.lockWait = lockWait;
    this.clock = clock;
    this.scheduler = scheduler;
    this.interval = interval;
    this.recorded =
        Counter.builder("pt2cache.hits.recorded")
            .description(
                "Hits counted in memory (lookup hits and entry reads), written at the next flush")
            .register(registry);
    this.rowsWritten =
        Counter.builder("pt2cache.hits.rows.written")
            .description(
                "Rows the flushes of those hits wrote: one per artifact hit and one per namespace looked up")
            .register(registry);
    this.flushesFailed =
        Counter.builder("pt2cache.hits.flushes.failed")
            .description(
                "Hit flushes that gave up (PostgreSQL refusing writes, away, or a row held too long),"
                    + " their hits kept for a later one")
            .register(registry);
  }

  /** A served artifact: counts toward its hit count and last-hit time. */
  public void record(Artifact artifact) {
    Instant now = clock.now();
    artifactHits.merge(artifact.id(), new Hits(1, now), Hits::plus);
    recorded.increment();
    Instant lastUse = artifact.lastHitAt() != null ? artifact.lastHitAt() : artifact.readyAt();
    if (lastUse != null
        && lastUse.isBefore(now.minus(interval.multipliedBy(2)))
        && !failing
        && flushDue.compareAndSet(false, true)) {
      // one flush for every such hit of the next SOON, off the request's thread
      scheduleSoon();
    }
  }

  private void scheduleSoon() {
    try {
      scheduler.schedule(this::flushSoon, scheduler.getClock().instant().plus(SOON));
    } catch (RuntimeException stopping) {
      flushDue.set(false); // the scheduler is shutting down: the flush on shutdown writes it
    }
  }

  /**
   * The early flush never waits for another flush: while one waits for PostgreSQL (a row held, no
   * answer, no connection) it looks again a {@link #SOON} later, holding no thread, and it is
   * dropped once a flush failed, the next periodic one writing its hits. Before, each early flush
   * waited for the recorder's lock (a monitor then) on a scheduler thread of its own, and a hit on
   * an idle artifact scheduled the next; the scheduler's threads, shared with the gauges, the
   * clock's reading and the job locks' keep-alive, all ended up waiting (docs/adr/0006).
   */
  private void flushSoon() {
    if (failing) {
      flushDue.set(false);
      return;
    }
    if (!lock.tryLock()) {
      scheduleSoon();
      return;
    }
    try {
      flushDue.set(false);
      written();
    } finally {
      lock.unlock();
    }
  }

  /** A lookup's outcome, for the namespace's hit ratio. */
  public void lookup(String namespace, boolean hit) {
    namespaceLookups.merge(namespace, new Lookups(hit ? 1 : 0, hit ? 0 : 1), Lookups::plus);
  }

  /**
   * The flush of every interval, skipped where another flush is running (one waiting for
   * PostgreSQL, say), which writes or keeps what is pending: waiting for it held one more scheduler
   * thread.
   */
  @Scheduled(
      fixedDelayString = "${pt2cache.hits.flush-interval:5s}",
      initialDelayString = "${pt2cache.hits.flush-interval:5s}")
  void flushPeriodically() {
    if (lock.tryLock()) {
      try {
        written();
      } finally {
        lock.unlock();
      }
    }
  }

  /** Writes what is pending, waiting for a flush that is running; on shutdown too. */
  @PreDestroy
  public void flush() {
    written();
  }

  /**
   * Flushes, and says whether every hit recorded so far is written: false when the flush gave up (a
   * row held longer than {@code PT2CACHE_DB_LOCK_WAIT}, the database gone), its hits kept for a
   * later one. For what judges use by the written last hits (retention), which must not judge by
   * older ones.
   */
  public boolean written() {
    lock.lock();
    try {
      // PostgreSQL silent mid-flush kept the lock, and the flush on shutdown, for as long
      AnswerWait.bounded(
          () -> {
            flushArtifacts();
            flushNamespaces();
            return null;
          });
      failing = false;
      return true;
    } catch (RuntimeException | Error e) {
      if (e instanceof VirtualMachineError fatal) {
        throw fatal;
      }
      flushesFailed.increment();
      // every flush of an outage fails alike: the cause once a minute, a read timeout said as such
      unwritten.failed(
          e,
          UnansweredStatement.describe(e, "the hit flush", "PT2CACHE_DB_ANSWER_WAIT").orElse(null));
      failing = true;
      return false;
    } finally {
      lock.unlock();
    }
  }

  /**
   * One batch in one transaction, holding every row it updated until it ends, whose wait for a row
   * another session holds is bounded ({@link LockWait}): a holder that never ends (an instance
   * frozen in the middle of a transaction) kept the flush waiting for good, with its connection,
   * and with this recorder's lock, which the flush on shutdown waits for; now the flush gives up
   * after {@code PT2CACHE_DB_LOCK_WAIT}, keeps its hits, and writes them at a later flush (sent in
   * autocommit, as before, a batch was one transaction per few hundred statements, and one that
   * failed after the first of them had committed put those hits back to be written again). Rows are
   * updated in the database's id order ({@link RowLockOrder}, not {@link UUID#compareTo}), the
   * order in which every other writer of several artifacts locks them, so a flush and an
   * invalidation, an eviction, a purge or another instance's flush wait for each other instead of
   * deadlocking (and namespaces go in name order).
   */
  private void flushArtifacts() {
    Map<UUID, Hits> drained = new TreeMap<>(RowLockOrder.BY_ID);
    for (UUID id : List.copyOf(artifactHits.keySet())) {
      Hits hits = artifactHits.remove(id);
      if (hits != null) {
        drained.put(id, hits);
      }
    }
    if (drained.isEmpty()) {
      return;
    }
    Instant flushed = clock.now();
    try {
      // the last hit is written by the database's clock, as the idle limit judges it (ADR 0006):
      // this instance sends how long ago it was, which its own clock measures right even when it
      // disagrees with the database's
      lockWait.bounded(
          () ->
              jdbc.batchUpdate(
                  """
          update artifact set hit_count = hit_count + ?,
                 last_hit_at = greatest(last_hit_at, now() - make_interval(secs => ?))
           where id = ?
          """,
                  drained.entrySet().stream()
                      .map(
                          e -> {
                            double ago =
                                Duration.between(e.getValue().last(), flushed).toNanos() / 1e9;
                            return new Object[] {e.getValue().count(), ago, e.getKey()};
                          })
                      .toList()));
      rowsWritten.increment(drained.size());
    } catch (RuntimeException | Error e) {
      // whatever the batch threw, its transaction did not commit: pgjdbc, with assertions on,
      // throws an AssertionError for a batch cut by the answer wait (docs/adr/0039)
      drained.forEach((id, hits) -> artifactHits.merge(id, hits, Hits::plus));
      throw e;
    }
  }

  private void flushNamespaces() {
    Map<String, Lookups> drained = new TreeMap<>();
    for (String namespace : List.copyOf(namespaceLookups.keySet())) {
      Lookups lookups = namespaceLookups.remove(namespace);
      if (lookups != null) {
        drained.put(namespace, lookups);
      }
    }
    if (drained.isEmpty()) {
      return;
    }
    try {
      lockWait.bounded(
          () ->
              jdbc.batchUpdate(
                  "update namespace set lookup_hits = lookup_hits + ?, lookup_misses = lookup_misses + ? where name = ?",
                  drained.entrySet().stream()
                      .map(
                          e ->
                              new Object[] {e.getValue().hits(), e.getValue().misses(), e.getKey()})
                      .toList()));
      rowsWritten.increment(drained.size());
    } catch (RuntimeException | Error e) {
      drained.forEach(
          (namespace, lookups) -> namespaceLookups.merge(namespace, lookups, Lookups::plus));
      throw e;
    }
  }
}
