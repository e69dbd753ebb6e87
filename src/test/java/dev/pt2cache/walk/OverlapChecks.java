package dev.pt2cache.walk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.Fixtures;
import dev.pt2cache.walk.History.Call;
import dev.pt2cache.walk.History.Op;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Each answer of a concurrent walk against the calls that overlapped it or came before, judged by
 * their start and end times rather than by a full linearizability search: the answer must be one
 * that some order of those calls allows. A call "could have retired" what an answer made or served
 * when it may retire (an invalidation, a report where a threshold is set, a quota change, a
 * retention run) and ended after the answer's call started.
 */
final class OverlapChecks {

  /**
   * An instance reads a namespace's quota for uploads at most every 5 s (docs/operations.md,
   * Quotas).
   */
  private static final long QUOTA_LAG_NS = 6_000_000_000L;

  private final SharedWalk shared;
  private final CallQueries queries;
  private final List<Call> calls;

  OverlapChecks(SharedWalk shared, CallQueries queries) {
    this.shared = shared;
    this.queries = queries;
    this.calls = queries.calls;
  }

  /** One answer against the calls that overlapped it or came before. */
  void admissible(Call c) {
    if (c.storeFailed) {
      return;
    }
    switch (c.op) {
      case LOOKUP, GET_ENTRY, HEAD_ENTRY, RANGE_ENTRY -> served(c);
      case FETCH_HIT -> fetched(c);
      case DOWNLOAD, HEAD_CONTENT, RANGE_CONTENT -> {
        if (c.status == 200 || c.status == 206 || c.status == 416) {
          assertThat(calls)
              .as("%s served bytes no answer named for it", c)
              .anyMatch(d -> c.id.equals(d.answerId) && c.answerSha.equals(d.answerSha));
        }
      }
      case DECLARE, PUT_ENTRY -> declared(c);
      case SEND -> sent(c);
      default -> {}
    }
  }

  /** A lookup or an entry's GET: a hit is content declared under the key and not firmly blocked. */
  private void served(Call c) {
    // a range past the end of what the key holds is a hit all the same, of the content that long
    boolean hit =
        c.op == Op.LOOKUP ? c.type == null : c.status == 200 || c.status == 206 || c.status == 416;
    if (hit) {
      assertThat(queries.asked(c.ns, c.kind, c.key, c.answerSha, c.end))
          .as("%s served content nobody declared under its key before", c)
          .isTrue();
      assertThat(queries.firmBlock(c))
          .as("%s hit while a standing rule stood over the whole call", c)
          .isEmpty();
    }
    // a ready answer before the call, and nothing since that could retire or block it
    for (Call r : calls) {
      if (r.ns.equals(c.ns)
          && r.ok()
          && "ready".equals(r.answerState)
          && c.kind.equals(r.kind)
          && c.key.equals(r.key)
          && r.end < c.start
          && queries.retiringAfter(c.ns, r.start).stream().noneMatch(x -> x.start < c.end)) {
        assertThat(hit)
            .as("%s missed; %s answered ready before, nothing retired since", c, r)
            .isTrue();
        if (c.op == Op.LOOKUP) {
          assertThat(c.answerId).as("%s hit another artifact than %s", c, r).isEqualTo(r.answerId);
        } else {
          assertThat(c.answerSha).as("%s served other bytes than %s", c, r).isEqualTo(r.answerSha);
        }
      }
    }
  }

  /** A hit's bytes are gone only when something that may retire them ran since the lookup. */
  private void fetched(Call c) {
    if (c.status == 200) {
      return;
    }
    Call lookup =
        calls.stream()
            .filter(l -> l.op == Op.LOOKUP && c.id.equals(l.answerId) && l.end <= c.start)
            .filter(l -> l.worker == c.worker)
            .reduce((a, b) -> b)
            .orElseThrow();
    assertThat(queries.retiringAfter(c.ns, lookup.start).stream().filter(x -> x.start < c.end))
        .as("%s refused what %s hit, and nothing retired it in between", c, lookup)
        .isNotEmpty();
  }

  /**
   * Bytes sent to a reservation and refused for a rule or a retirement: a blocking rule not lifted
   * before the call began (ADR 0029: a rule is in force from its commit, before its batches retire
   * what it matches, and a commit checks it), or something that may retire it since the reservation
   * was declared.
   */
  private void sent(Call c) {
    if ("blocked-by-rule".equals(c.type)) {
      assertThat(queries.possibleBlock(c))
          .as("%s refused by a rule that was not in force", c)
          .isNotEmpty();
    }
    if (c.status == 410 && !"reservation-expired".equals(c.type)) {
      Call declared =
          calls.stream()
              .filter(d -> d.op == Op.DECLARE && c.id.equals(d.answerId))
              .findFirst()
              .orElseThrow();
      assertThat(queries.retiringAfter(c.ns, declared.start).stream().filter(x -> x.start < c.end))
          .as("%s retired, but nothing that retires ran since %s", c, declared)
          .isNotEmpty();
    }
  }

  /**
   * A declaration or an entry's PUT accepted under a firm rule, or refused for a quota never set.
   */
  private void declared(Call c) {
    if ("blocked-by-rule".equals(c.type)) {
      assertThat(queries.possibleBlock(c))
          .as("%s refused by a rule that was not in force", c)
          .isNotEmpty();
    }
    if (c.op == Op.PUT_ENTRY && c.status == 410) {
      // an invalidation that overlapped it retired the entry's reservation while its bytes came
      assertThat(calls)
          .as("%s retired while no invalidation ran", c)
          .anyMatch(
              x ->
                  (x.op == Op.INVALIDATE || x.op == Op.BLOCK)
                      && x.ns.equals(c.ns)
                      && x.start < c.end
                      && x.end > c.start
                      && x.sel.matches(c.kind, c.key, null, null));
    }
    if (c.op == Op.PUT_ENTRY && c.status == 404) {
      // retired while its bytes came, and the retired row purged before it committed: the walk's
      // grace is 0, which docs/configuration.md keeps for tests (PT2CACHE_GRACE)
      List<Call> retiring = queries.retiringAfter(c.ns, c.start);
      assertThat(calls)
          .as("%s gone while nothing retired and purged it", c)
          .anyMatch(
              p ->
                  p.op == Op.PURGE
                      && p.start < c.end
                      && p.end > c.start
                      && retiring.stream().anyMatch(x -> x.start < p.end));
    }
    if (c.ok() && c.status == 201) {
      assertThat(queries.firmBlock(c)).as("%s accepted while a standing rule stood", c).isEmpty();
    }
    long size = sizeOf(c.sha);
    if (c.status == 413) {
      assertThat(quotasPossible(c.ns, c.start - QUOTA_LAG_NS, c.end))
          .as("%s refused for quota", c)
          .anyMatch(q -> q != null && size > q);
    }
    if (c.status == 201) {
      assertThat(quotasPossible(c.ns, c.start - QUOTA_LAG_NS, c.end))
          .as("%s accepted over every quota it could see", c)
          .anyMatch(q -> q == null || size <= q);
    }
  }

  /**
   * The quotas that may have been in force between from and to: the last set before, and any set
   * within.
   */
  private Set<Long> quotasPossible(String ns, long from, long to) {
    Set<Long> possible = new HashSet<>();
    Call before = null;
    for (Call s : calls) {
      if (s.op != Op.SETTINGS || !s.ns.equals(ns)) {
        continue;
      }
      if (s.end < from) {
        if (before == null || s.end > before.end) {
          before = s;
        }
      } else if (s.start < to) {
        possible.add(s.quota);
      }
    }
    if (before == null) {
      possible.add(null);
    } else {
      possible.add(before.quota);
      // another set that overlapped the last one before may have landed after it
      Call last = before;
      calls.stream()
          .filter(s -> s.op == Op.SETTINGS && s.ns.equals(ns) && s.end < from && s.end > last.start)
          .forEach(s -> possible.add(s.quota));
    }
    return possible;
  }

  private long sizeOf(String sha) {
    return shared.contents.stream()
        .filter(b -> Fixtures.sha256(b).equals(sha))
        .findFirst()
        .orElseThrow()
        .length;
  }
}
