package dev.pt2cache.namespace;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.pt2cache.namespace.NamespaceRepository.StoredSettings;
import dev.pt2cache.namespace.SettingsPatch.Settings;
import dev.pt2cache.system.Caller;
import dev.pt2cache.system.LockWait;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

@Service
public class NamespaceService {

  /** A namespace with its usage, as operators see it. */
  public record NamespaceView(
      Namespace namespace,
      Long appliedQuotaBytes,
      Integer appliedMaxIdleDays,
      long artifactCount,
      long storedBytes,
      long reportedArtifacts,
      long evictions,
      Instant lastEvictionAt,
      Instant lastGcAt) {}

  /** One page of namespaces, and the cursor of the next (null on the last). */
  public record NamespacePage(List<NamespaceView> items, String nextCursor) {}

  /** The outcome of a PUT: the namespace as it now is, and whether it was created. */
  public record PutOutcome(NamespaceView view, boolean created) {}

  /** How long an instance trusts a quota it has read; another instance's change waits that long. */
  private static final Duration QUOTA_TTL = Duration.ofSeconds(5);

  private final NamespaceRepository namespaces;
  private final Set<String> known = ConcurrentHashMap.newKeySet();
  private final Cache<String, Optional<Long>> quotas =
      Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(QUOTA_TTL).build();

  /** Quota changes committed on this instance, so a read they overtook is not kept. */
  private final AtomicLong quotaChanges = new AtomicLong();

  private final NamespaceDefaults defaults;
  private final TransactionTemplate transactions;
  private final LockWait lockWait;

  NamespaceService(
      NamespaceRepository namespaces,
      NamespaceDefaults defaults,
      TransactionTemplate transactions,
      LockWait lockWait) {
    this.namespaces = namespaces;
    this.defaults = defaults;
    this.transactions = transactions;
    this.lockWait = lockWait;
  }

  /**
   * Throws {@link NamespaceNotFoundException} unless the namespace exists. Namespaces are never
   * deleted, so one seen to exist is remembered: most requests ask the database nothing here.
   */
  public void require(String name) {
    if (known.contains(name)) {
      return;
    }
    if (!namespaces.existsById(name)) {
      throw new NamespaceNotFoundException(name);
    }
    known.add(name);
  }

  /**
   * Throws {@link NamespaceNotFoundException} unless the namespace exists, and {@link
   * ExceedsQuotaException} when an artifact of this size is larger than its whole quota (its own,
   * or the default one): eviction would retire it as soon as it became ready, and every node would
   * compile and upload it again.
   */
  public void requireRoomFor(String name, long sizeBytes) {
    Optional<Long> quota = quotas.getIfPresent(name);
    if (quota == null) {
      quota = readQuota(name);
    }
    if (quota.isPresent() && sizeBytes > quota.get()) {
      throw new ExceedsQuotaException(name, sizeBytes, quota.get());
    }
  }

  /**
   * Reads the quota outside the cache's lock: a loader run by {@code Cache.get} holds it, so while
   * PostgreSQL is gone every upload to the namespace queued behind the one waiting for a
   * connection, and the last of n waited n times {@code PT2CACHE_DB_CONNECTION_WAIT_MS} (a review
   * saw a declaration answered after 30 s and an entry after 45 s, with a 5 s wait). Concurrent
   * misses each read once instead, which costs a few reads every {@link #QUOTA_TTL}.
   */
  private Optional<Long> readQuota(String name) {
    long before = quotaChanges.get();
    Optional<Long> quota =
        namespaces
            .findById(name)
            .map(namespace -> Optional.ofNullable(defaults.quotaOf(namespace.quotaBytes())))
            .orElseThrow(() -> new NamespaceNotFoundException(name));
    quotas.put(name, quota);
    if (quotaChanges.get() != before) {
      // a change committed meanwhile: what was read may be the quota before it
      quotas.invalidate(name);
    }
    return quota;
  }

  @Transactional(readOnly = true)
  public NamespaceView get(String name) {
    Namespace namespace =
        namespaces.findById(name).orElseThrow(() -> new NamespaceNotFoundException(name));
    return views(List.of(namespace)).get(0);
  }

  /**
   * Namespaces by name, {@code limit} at a time after the one a cursor names: a service shared by
   * thousands of teams answered them all at once (3 MB at 10,000).
   */
  @Transactional(readOnly = true)
  public NamespacePage list(int limit, String cursor) {
    String after = cursor == null ? "" : NameCursor.decode(cursor);
    List<Namespace> rows = namespaces.pageAfter(after, limit + 1);
    List<NamespaceView> items = views(rows.subList(0, Math.min(limit, rows.size())));
    String next = rows.size() > limit ? NameCursor.encode(rows.get(limit - 1).name()) : null;
    return new NamespacePage(items, next);
  }

  /**
   * Creates the namespace or replaces its settings. Its quota is the operator's bound on what the
   * namespace may store, so a caller whose grant holds in this namespace alone may send it
   * unchanged but not change it ({@link QuotaChangeForbiddenException}); the row stays locked from
   * that check to the write, so an operator's change meanwhile is never written over. The row keeps
   * {@code by}, the caller's token, as who last changed them, and when (docs/adr/0049); settings
   * sent again as they stand (a deployment tool applying its configuration every few minutes) write
   * nothing, so those stay.
   */
  public PutOutcome put(
      String name,
      Long quotaBytes,
      Integer maxIdleDays,
      Integer invalidateAfterReports,
      boolean mayChangeQuota,
      Caller.Token by) {
    boolean created =
        transactions.execute(
            status ->
                write(name, quotaBytes, maxIdleDays, invalidateAfterReports, mayChangeQuota, by));
    // read once the row is no longer locked: the usage sums every ready artifact
    return new PutOutcome(get(name), created);
  }

  private boolean write(
      String name,
      Long quotaBytes,
      Integer maxIdleDays,
      Integer invalidateAfterReports,
      boolean mayChangeQuota,
      Caller.Token by) {
    // the row's lock, held by a change that never ends, answers busy (docs/adr/0039)
    lockWait.bound();
    Optional<StoredSettings> stored = namespaces.lockSettings(name);
    if (!mayChangeQuota) {
      // a caller of one namespace only ever has one that exists (tokens are made for existing
      // namespaces, and namespaces are never deleted): creating one is the operator's too
      requireQuotaUnchanged(
          name, stored.orElseThrow(() -> new NamespaceNotFoundException(name)), quotaBytes);
    }
    return upsertChanged(
        name,
        stored.map(NamespaceService::settingsOf),
        new Settings(quotaBytes, maxIdleDays, invalidateAfterReports),
        by);
  }

  /**
   * Applies a merge patch to the namespace's settings (docs/adr/0051): the members it gives are
   * set, the others kept. The row is locked before the settings are read, so a change meanwhile,
   * another patch's included, is applied before this one and kept by it; a caller who may not
   * change the quota ({@link QuotaChangeForbiddenException}) may give it only as it stands. Never
   * creates a namespace ({@link NamespaceNotFoundException}).
   */
  public NamespaceView patch(
      String name, SettingsPatch patch, boolean mayChangeQuota, Caller.Token by) {
    transactions.executeWithoutResult(
        status -> {
          lockWait.bound();
          StoredSettings stored =
              namespaces.lockSettings(name).orElseThrow(() -> new NamespaceNotFoundException(name));
          if (!mayChangeQuota && patch.gives(SettingsPatch.Member.QUOTA_BYTES)) {
            requireQuotaUnchanged(name, stored, patch.values().quotaBytes());
          }
          Settings current = settingsOf(stored);
          upsertChanged(name, Optional.of(current), patch.applyTo(current), by);
        });
    return get(name);
  }

  private static Settings settingsOf(StoredSettings stored) {
    return new Settings(
        stored.getQuotaBytes(), stored.getMaxIdleDays(), stored.getInvalidateAfterReports());
  }

  private static void requireQuotaUnchanged(String name, StoredSettings stored, Long quotaBytes) {
    if (!Objects.equals(stored.getQuotaBytes(), quotaBytes)) {
      throw new QuotaChangeForbiddenException(name, stored.getQuotaBytes());
    }
  }

  /**
   * Writes the settings where they differ from the locked row's {@code current} (or there is no
   * row): settings sent again as they stand write nothing, so who last changed them, and when, stay
   * (docs/adr/0049). True when the namespace was created.
   */
  private boolean upsertChanged(
      String name, Optional<Settings> current, Settings wanted, Caller.Token by) {
    if (current.isPresent() && current.get().equals(wanted)) {
      return false;
    }
    return upsert(name, wanted, by);
  }

  /** Writes the settings, and forgets the cached quota once they are committed. */
  private boolean upsert(String name, Settings settings, Caller.Token by) {
    boolean created =
        namespaces.upsert(
            name,
            settings.quotaBytes(),
            settings.maxIdleDays(),
            settings.invalidateAfterReports(),
            by.name(),
            by.id() == null ? null : by.id().toString());
    namespaces.flush();
    // once committed: a check meanwhile would otherwise read the old quota back into the cache
    TransactionSynchronizationManager.registerSynchronization(
        new TransactionSynchronization() {
          @Override
          public void afterCommit() {
            quotaChanges.incrementAndGet();
            quotas.invalidate(name);
          }
        });
    return created;
  }

  private List<NamespaceView> views(List<Namespace> all) {
    List<String> names = all.stream().map(Namespace::name).toList();
    Map<String, NamespaceUsage> usage =
        namespaces.usageOf(names).stream()
            .collect(Collectors.toMap(NamespaceUsage::getName, Function.identity()));
    Map<String, NamespaceEvictions> evictions =
        namespaces.evictionsOf(names).stream()
            .collect(Collectors.toMap(NamespaceEvictions::getName, Function.identity()));
    Instant lastGc = namespaces.lastGarbageCollection().orElse(null);
    return all.stream()
        .map(
            n -> {
              NamespaceUsage u = usage.getOrDefault(n.name(), NamespaceUsage.none(n.name()));
              NamespaceEvictions e = evictions.get(n.name());
              return new NamespaceView(
                  n,
                  defaults.quotaOf(n.quotaBytes()),
                  defaults.maxIdleDaysOf(n.maxIdleDays()),
                  u.getArtifactCount(),
                  u.getStoredBytes(),
                  u.getReportedArtifacts(),
                  e == null ? 0 : e.getEvictions(),
                  e == null ? null : e.getLastEvictionAt(),
                  lastGc);
            })
        .toList();
  }
}
