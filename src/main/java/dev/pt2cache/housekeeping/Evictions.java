package dev.pt2cache.housekeeping;

import dev.pt2cache.namespace.NamespaceDefaults;
import dev.pt2cache.system.LockWait;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Evicts ready artifacts, least recently used first (last hit, or when they became ready if never
 * hit), and records every eviction: what, why, when.
 */
@Component
class Evictions {

  /** What one round of eviction did in one namespace. */
  record Evicted(long artifacts, long bytes) {
    static final Evicted NONE = new Evicted(0, 0);

    Evicted plus(Evicted other) {
      return new Evicted(artifacts + other.artifacts, bytes + other.bytes);
    }
  }

  /**
   * How many batches in a row may find every artifact they chose used since (hits written by other
   * instances between the choice and the lock) before the round leaves the namespace to the next:
   * each such batch sees those hits and chooses others, so more only meets a namespace whose every
   * artifact is being hit at once, where the order hardly matters.
   */
  static final int RECHOICES = 3;

  private final JdbcClient jdbc;
  private final MeterRegistry registry;
  private final TransactionTemplate transactions;
  private final LockWait lockWait;
  private final NamespaceDefaults defaults;

  Evictions(
      JdbcClient jdbc,
      MeterRegistry registry,
      TransactionTemplate transactions,
      LockWait lockWait,
      NamespaceDefaults defaults) {
    this.jdbc = jdbc;
    this.defaults = defaults;
    this.lockWait = lockWait;
    this.registry = registry;
    this.transactions = transactions;
  }

  /** Evicts the ready artifacts not used for {@code days} days. */
  @Transactional
  Evicted idle(String namespace, int days, int batch) {
    List<Candidate> idle =
        jdbc.sql(
                """
                select id, size_bytes, coalesce(last_hit_at, ready_at) as last_used from artifact
                 where namespace = ? and state = 'READY'
                   and coalesce(last_hit_at, ready_at) < now() - make_interval(hours => 24 * ?)
                 order by coalesce(last_hit_at, ready_at) limit ?
                """)
            .params(namespace, days, batch)
            .query(Evictions::candidate)
            .list();
    return evict(namespace, idle, "IDLE");
  }

  /**
   * When the ready bytes pass the quota, evicts the least recently used until they are at most
   * {@code quota * (1 - margin)}, but never the most recently used artifact when it fits in the
   * quota on its own: one larger than the target would otherwise evict itself as soon as anything
   * else was stored, and every node would compile and upload it again, round after round.
   *
   * <p>In batches of at most {@code batchSize} artifacts, each its own short transaction, walked in
   * the recency index: a quota lowered far below a large namespace's bytes (or a default quota set
   * at an upgrade) must not hold hundreds of thousands of row locks, under hits and reports, in one
   * statement for most of a minute.
   *
   * <p>Between batches the namespace's quota is read again: one changed during the round (a {@code
   * PATCH} or {@code PUT} that raises or clears it) ends the round once the namespace is within it,
   * and is the target from then on; before, the round evicted down to the quota it began with.
   */
  Evicted overQuota(String namespace, long quota, double margin, int batchSize) {
    evictions(namespace, "QUOTA"); // its series at 0 while within the quota, as evict() says
    long used =
        jdbc.sql(
                "select coalesce(sum(size_bytes), 0) from artifact where namespace = ? and state = 'READY'")
            .param(namespace)
            .query(Long.class)
            .single();
    Long started = appliedQuota(namespace);
    long target = quota;
    long excess = excess(used, target, margin);
    Evicted total = Evicted.NONE;
    int kept = 0;
    while (excess > 0) {
      long left = excess;
      long current = target;
      Batch batch = transactions.execute(status -> oldest(namespace, left, current, batchSize));
      if (batch == null || batch.chosen() == 0) {
        break;
      }
      if (batch.evicted().artifacts() == 0) {
        // every one chosen was used between the choice and its lock: choose again from the order
        // as it is now, a few times at most, rather than leave the namespace over its quota
        // until the next round (before, the round stopped here)
        if (++kept == RECHOICES) {
          break;
        }
        continue;
      }
      kept = 0;
      total = total.plus(batch.evicted());
      used -= batch.evicted().bytes();
      excess -= batch.evicted().bytes();
      Long now = appliedQuota(namespace);
      if (!Objects.equals(now, started)) {
        if (now == null) {
          break;
        }
        started = now;
        target = now;
        excess = excess(used, now, margin); // none once within the new quota: the round ends
      }
    }
    return total;
  }

  /** The quota housekeeping applies to the namespace now: its own, or the default (or none). */
  private Long appliedQuota(String namespace) {
    List<Long> quota =
        jdbc.sql("select quota_bytes from namespace where name = ?")
            .param(namespace)
            .query((rs, n) -> rs.getObject("quota_bytes", Long.class))
            .list();
    return defaults.quotaOf(quota.isEmpty() ? null : quota.get(0));
  }

  /** What one batch chose and what it evicted of that: less where a chosen one was used since. */
  private record Batch(int chosen, Evicted evicted) {}

  /**
   * The bytes to free from a namespace holding {@code used} ready bytes: none while they are within
   * the quota, else down to {@code quota * (1 - margin)}.
   */
  static long excess(long used, long quota, double margin) {
    return used <= quota ? 0 : used - (long) Math.floor(quota * (1 - margin));
  }

  /** One batch: the least recently used, up to {@code excess} bytes, oldest first. */
  private Batch oldest(String namespace, long excess, long quota, int batch) {
    List<Candidate> oldest =
        jdbc.sql(
                """
                select id, size_bytes, coalesce(last_hit_at, ready_at) as last_used from artifact
                 where namespace = ? and state = 'READY'
                 order by coalesce(last_hit_at, ready_at), id
                 limit ?
                """)
            .params(namespace, batch + 1)
            .query(Evictions::candidate)
            .list();
    Set<UUID> chosen = Set.copyOf(chosen(oldest, excess, quota, batch));
    return new Batch(
        chosen.size(),
        evict(namespace, oldest.stream().filter(c -> chosen.contains(c.id())).toList(), "QUOTA"));
  }

  private static Candidate candidate(ResultSet row, int n) throws SQLException {
    return new Candidate(
        row.getObject("id", UUID.class),
        row.getLong("size_bytes"),
        row.getObject("last_used", OffsetDateTime.class).toInstant());
  }

  /**
   * Which of {@code oldest} (the least recently used first, at most {@code batch + 1} of them) one
   * batch evicts: from the start, until {@code excess} bytes are freed or {@code batch} are taken,
   * but not the newest of the namespace when it fits the quota alone.
   */
  static List<UUID> chosen(List<Candidate> oldest, long excess, long quota, int batch) {
    // with no more than a batch, these are every ready artifact, and the last is the newest
    int newest = oldest.size() <= batch ? oldest.size() - 1 : -1;
    List<UUID> ids = new ArrayList<>();
    long freed = 0;
    for (int i = 0; i < Math.min(oldest.size(), batch) && freed < excess; i++) {
      Candidate candidate = oldest.get(i);
      if (i == newest && candidate.sizeBytes() <= quota) {
        break;
      }
      ids.add(candidate.id());
      freed += candidate.sizeBytes();
    }
    return ids;
  }

  /** A ready artifact that eviction may take, its size and its last use when it was chosen. */
  record Candidate(UUID id, long sizeBytes, Instant lastUsed) {}

  /**
   * Evicts the chosen artifacts that are still ready and not used since they were chosen: a hit
   * written between the choice and the row locks (another instance's flush, say) may have made one
   * more recent than artifacts left out, and it stays (the quota's loop then takes the next
   * oldest). Locking re-reads each row's last use after any writer that held it has committed.
   */
  private Evicted evict(String namespace, List<Candidate> chosen, String reason) {
    // each limited namespace's series is there from its first check, at 0, so increase() sees the
    // first eviction of a round after it (ADR 0027)
    Counter evictions = evictions(namespace, reason);
    if (chosen.isEmpty()) {
      return Evicted.NONE;
    }
    Instant newest = chosen.stream().map(Candidate::lastUsed).max(Instant::compareTo).orElseThrow();
    // a row held by a session that never ends fails the round, which says so; the next one tries
    // again (before, retention waited for good, with its connection and its scheduler thread)
    lockWait.bound();
    Evicted evicted =
        jdbc.sql(
                """
                with locked as (
                  -- locked in id order first, as every writer of several artifacts locks them
                  -- (ADR 0006); the update's own plan would take them in any order
                  select id from artifact where id = any(:ids) and state = 'READY'
                     and coalesce(last_hit_at, ready_at) <= :newest
                   order by id for no key update),
                evicted as (
                  update artifact set state = 'EVICTED', evicted_at = now(), eviction_reason = :reason
                   where id = any(:ids) and id in (select id from locked) and state = 'READY'
                  returning namespace, id, kind, cache_key, sha256, size_bytes,
                            coalesce(last_hit_at, ready_at) as last_used_at),
                recorded as (
                  insert into eviction (namespace, artifact_id, kind, cache_key, sha256, size_bytes,
                                        reason, last_used_at)
                  select namespace, id, kind, cache_key, sha256, size_bytes, :reason, last_used_at
                    from evicted
                  returning size_bytes)
                select count(*) as artifacts, coalesce(sum(size_bytes), 0) as bytes from recorded
                """)
            .param("reason", reason)
            .param("ids", chosen.stream().map(Candidate::id).toArray(UUID[]::new))
            .param("newest", newest.atOffset(ZoneOffset.UTC))
            .query((rs, n) -> new Evicted(rs.getLong("artifacts"), rs.getLong("bytes")))
            .single();
    evictions.increment(evicted.artifacts());
    return evicted;
  }

  /**
   * Shows a namespace's series for this reason at 0 once retention has checked its limit, also
   * where the round found nothing to evict there and asked nothing more of it (ADR 0027).
   */
  void checked(String namespace, String reason) {
    evictions(namespace, reason);
  }

  private Counter evictions(String namespace, String reason) {
    return Counter.builder("pt2cache.evictions")
        .description("Ready artifacts evicted by retention, by namespace and reason (idle, quota)")
        .tag("namespace", namespace)
        .tag("reason", reason.toLowerCase(Locale.ROOT))
        .register(registry);
  }
}
