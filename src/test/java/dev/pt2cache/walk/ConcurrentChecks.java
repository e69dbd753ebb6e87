package dev.pt2cache.walk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.walk.History.Call;
import dev.pt2cache.walk.History.Op;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;

/**
 * What a concurrent walk checks once its workers have joined: the namespaces are in a state that
 * every order of the calls could have left (the single-threaded {@link Invariants#checkListing}
 * plus what the answers promised), and each answer is one that some order of the calls that
 * overlapped it allows ({@link OverlapChecks}).
 */
final class ConcurrentChecks {

  private static final Set<Op> READS_BY_ID =
      EnumSet.of(Op.DOWNLOAD, Op.FETCH_HIT, Op.HEAD_CONTENT, Op.RANGE_CONTENT);

  private final SharedWalk shared;
  private final Predicate<String> storeHolds;
  private final CallQueries queries;
  private final List<Call> calls;
  private final Map<String, Map<String, JsonNode>> listedNow = new HashMap<>();

  ConcurrentChecks(SharedWalk shared, Predicate<String> storeHolds) {
    this.shared = shared;
    this.storeHolds = storeHolds;
    this.queries = new CallQueries(shared);
    this.calls = queries.calls;
  }

  /** Everything, at a point where no call is in flight. */
  void atQuiescence(long round) {
    for (int i = 0; i < shared.nsNames.size(); i++) {
      String ns = shared.nsNames.get(i);
      ApiClient api = shared.instances.get((int) ((round + i) % shared.instances.size()));
      Map<String, JsonNode> listed = Invariants.checkListing(api, ns, storeHolds);
      listedNow.put(ns, listed);
      readyIsWhatWasAsked(ns, listed, api);
      promisesKept(ns, listed);
      pendingIsHalfNothing(ns, listed);
      reportsCounted(i, ns, listed);
      invalidationsCounted(ns, listed);
      quotaIsALastWriters(ns, api);
    }
    calls.forEach(new OverlapChecks(shared, queries)::admissible);
    new LeaseChecks(shared, queries).all();
    new ResendChecks(queries).all();
    retiredStaysRetired();
  }

  /**
   * An artifact seen retired (its content or bytes answered 410) is never seen ready by a call that
   * began after that answer: a retirement is never undone (ADR 0003), the listing included.
   */
  private void retiredStaysRetired() {
    Map<String, Long> retiredBy = new HashMap<>();
    for (Call c : calls) {
      if (c.status == 410 && c.id != null && !"reservation-expired".equals(c.type)) {
        retiredBy.merge(c.id, c.end, Math::min);
      }
    }
    for (Call c : calls) {
      String seenReady =
          "ready".equals(c.answerState)
              ? c.answerId
              : READS_BY_ID.contains(c.op)
                      && (c.status == 200 || c.status == 206 || c.status == 416)
                  ? c.id
                  : null;
      Long retired = seenReady == null ? null : retiredBy.get(seenReady);
      assertThat(retired == null || c.start < retired)
          .as("%s saw %s ready after it was answered retired", c, seenReady)
          .isTrue();
    }
    for (int i = 0; i < shared.nsNames.size(); i++) {
      listedNow
          .getOrDefault(shared.nsNames.get(i), Map.of())
          .forEach(
              (id, a) ->
                  assertThat(a.get("state").asString().equals("ready") && retiredBy.containsKey(id))
                      .as("%s is listed ready after it was answered retired", id)
                      .isFalse());
    }
  }

  /** Every ready artifact is content some call declared under its key, served as such. */
  private void readyIsWhatWasAsked(String ns, Map<String, JsonNode> listed, ApiClient api) {
    for (JsonNode a : listed.values()) {
      if (!a.get("state").asString().equals("ready")) {
        continue;
      }
      String kind = a.get("kind").asString();
      String key = a.get("key").asString();
      String sha = a.get("sha256").asString();
      assertThat(queries.asked(ns, kind, key, sha, Long.MAX_VALUE))
          .as("ready %s: nobody declared %s under %s/%s", a.get("id"), sha, kind, key)
          .isTrue();
      ApiResponse bytes =
          api.get("/v1/namespaces/" + ns + "/artifacts/" + a.get("id").asString() + "/content");
      assertThat(bytes.status()).as(bytes.text()).isEqualTo(200);
      assertThat(Fixtures.sha256(bytes.body())).isEqualTo(sha);
    }
  }

  /**
   * An answer that made or found an artifact ready: it is still ready, or a call that may retire it
   * ended after that answer's call started (and a purge, if it is gone).
   */
  private void promisesKept(String ns, Map<String, JsonNode> listed) {
    for (Call c : calls) {
      if (!c.ns.equals(ns) || !c.ok() || !"ready".equals(c.answerState)) {
        continue;
      }
      JsonNode now = listed.get(c.answerId);
      String state = now == null ? "gone" : now.get("state").asString();
      if (state.equals("ready")) {
        continue;
      }
      assertThat(queries.retiringAfter(ns, c.start))
          .as(
              "%s answered %s ready, now %s, and nothing since could retire it",
              c, c.answerId, state)
          .isNotEmpty();
      if (now == null) {
        assertThat(calls)
            .as("%s: its artifact is gone but no purge ran since", c)
            .anyMatch(p -> p.op == Op.PURGE && p.end > c.start);
      }
    }
  }

  /**
   * A pending artifact was answered pending, and no answer made it ready (nothing half-visible).
   */
  private void pendingIsHalfNothing(String ns, Map<String, JsonNode> listed) {
    listed.forEach(
        (id, a) -> {
          if (!a.get("state").asString().equals("pending")) {
            return;
          }
          assertThat(calls)
              .as("pending %s was declared", id)
              .anyMatch(c -> c.op == Op.DECLARE && id.equals(c.answerId));
          assertThat(calls)
              .as("pending %s was answered ready", id)
              .noneMatch(c -> id.equals(c.answerId) && "ready".equals(c.answerState));
        });
  }

  /**
   * An artifact that names the invalidation that retired it is invalidated (a retirement is never
   * undone, ADR 0003), and each invalidation retired as many as it answered: all of them are still
   * listed unless a purge ran since it began.
   */
  private void invalidationsCounted(String ns, Map<String, JsonNode> listed) {
    Map<String, Integer> retiredBy = new HashMap<>();
    listed.forEach(
        (id, a) -> {
          if (a.hasNonNull("invalidationId")) {
            assertThat(a.get("state").asString())
                .as("%s names invalidation %s", id, a.get("invalidationId"))
                .isEqualTo("invalidated");
            retiredBy.merge(a.get("invalidationId").asString(), 1, Integer::sum);
          }
        });
    listed.forEach(
        (id, a) -> {
          String by = a.path("invalidationId").asString(null);
          assertThat(
                  by == null
                      || calls.stream().anyMatch(x -> x.ok() && by.equals(x.id))
                      || calls.stream()
                          .anyMatch(r -> r.op == Op.REPORT && r.ok() && id.equals(r.id)))
              .as("%s names invalidation %s, which no call answered nor a report made", id, by)
              .isTrue();
        });
    Map<String, Integer> recorded = new HashMap<>();
    Map<String, Long> firstAsked = new HashMap<>();
    for (Call x : calls) {
      if ((x.op == Op.INVALIDATE || x.op == Op.BLOCK) && x.ns.equals(ns) && x.ok()) {
        // a resend answers the record, with what it retired since counted on it (ADR 0029)
        recorded.merge(x.id, x.count, Math::max);
        firstAsked.merge(x.id, x.start, Math::min);
      }
    }
    for (Call x : calls) {
      if ((x.op == Op.INVALIDATE || x.op == Op.BLOCK) && x.ns.equals(ns) && x.ok()) {
        int listedNow = retiredBy.getOrDefault(x.id, 0);
        int count = recorded.get(x.id);
        long since = firstAsked.get(x.id);
        boolean purgedSince = calls.stream().anyMatch(p -> p.op == Op.PURGE && p.end > since);
        if (purgedSince) {
          assertThat(listedNow)
              .as("%s retired more than it answered", x)
              .isLessThanOrEqualTo(count);
        } else {
          assertThat(listedNow).as("%s retired other than it answered", x).isEqualTo(count);
        }
      }
    }
  }

  /**
   * An artifact's reportCount is at most the reporters ever answered 2xx for it; with a threshold
   * of two, no ready artifact has two.
   */
  private void reportsCounted(int index, String ns, Map<String, JsonNode> listed) {
    Map<String, Set<String>> reporters = new HashMap<>();
    for (Call c : calls) {
      if (c.op == Op.REPORT && c.ok() && c.ns.equals(ns)) {
        // a reporter is the token's name and the node it names (docs/adr/0017)
        reporters
            .computeIfAbsent(c.id, k -> new HashSet<>())
            .add((c.caller == null ? "" : c.caller.name()) + " " + c.node);
      }
    }
    listed.forEach(
        (id, a) -> {
          int count = a.path("reportCount").asInt();
          assertThat(count)
              .as("reportCount of %s", id)
              .isLessThanOrEqualTo(reporters.getOrDefault(id, Set.of()).size());
          Integer threshold = ConcurrentSteps.THRESHOLDS[index];
          if (threshold != null && a.get("state").asString().equals("ready")) {
            assertThat(count).as("ready %s with %d reporters", id, count).isLessThan(threshold);
          }
        });
  }

  /** The quota is one that a settings call not followed by another's start wrote. */
  private void quotaIsALastWriters(String ns, ApiClient api) {
    List<Call> sets =
        calls.stream().filter(c -> c.op == Op.SETTINGS && c.ok() && c.ns.equals(ns)).toList();
    if (sets.isEmpty()) {
      return;
    }
    Set<Long> last = new HashSet<>();
    for (Call c : sets) {
      if (sets.stream().noneMatch(d -> d.start > c.end)) {
        last.add(c.quota);
      }
    }
    JsonNode namespace = api.get("/v1/namespaces/" + ns).json();
    Long quota =
        namespace.path("quotaBytes").isNumber() ? namespace.get("quotaBytes").asLong() : null;
    assertThat(last).as("quota of %s", ns).contains(quota);
  }
}
