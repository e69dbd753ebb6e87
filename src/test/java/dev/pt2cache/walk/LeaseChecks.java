package dev.pt2cache.walk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.walk.History.Call;
import dev.pt2cache.walk.History.Op;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a concurrent walk checks of uploads that race in time (ADR 0019, docs/configuration.md): one
 * content ready under a key until something may have retired it, so that an uploader whose lease
 * ran out never commits over the upload that took the key over; {@code 409 upload-in-flight} only
 * where another content's reservation could hold a running lease, and always where one certainly
 * did; {@code 410 reservation-expired} only once the reservation's time could have run out, and
 * bytes to a reservation certainly out of time never made ready; {@code 404} for bytes to a
 * reservation only once something could have dropped it.
 */
final class LeaseChecks {

  /** How far apart the database's clock and the walk's may judge one moment: same machine. */
  private static final long SLACK_NS = 100_000_000L;

  private final SharedWalk shared;
  private final CallQueries queries;
  private final List<Call> calls;

  LeaseChecks(SharedWalk shared, CallQueries queries) {
    this.shared = shared;
    this.queries = queries;
    this.calls = queries.calls;
  }

  void all() {
    oneContentReadyUntilRetired();
    if (shared.lease != null) {
      calls.stream().filter(c -> "upload-in-flight".equals(c.type)).forEach(this::someoneHeld);
      calls.stream()
          .filter(c -> c.op == Op.DECLARE && c.status == 201 && "pending".equals(c.answerState))
          .forEach(this::noLeaseCertainlyHeld);
    }
    if (shared.reservationTtl != null) {
      calls.stream().filter(c -> c.op == Op.SEND).forEach(this::expiredInTime);
      calls.stream()
          .filter(c -> c.op == Op.SEND && "artifact-not-found".equals(c.type))
          .forEach(this::goneOnlyOnceDropped);
    }
  }

  /**
   * Two answers that made or found other contents ready under one key: something that may retire
   * the first ran between them (invariant 4; a taker's commit and a lapsed holder's).
   */
  private void oneContentReadyUntilRetired() {
    List<Call> ready =
        calls.stream()
            .filter(c -> c.ok() && "ready".equals(c.answerState) && c.key != null)
            .toList();
    for (Call a : ready) {
      for (Call b : ready) {
        if (a.ns.equals(b.ns)
            && a.kind.equals(b.kind)
            && a.key.equals(b.key)
            && !a.answerSha.equals(b.answerSha)
            && a.start <= b.start) {
          long to = Math.max(a.end, b.end);
          assertThat(queries.retiringAfter(a.ns, a.start).stream().filter(x -> x.start < to))
              .as("%s and %s: two contents ready under one key, nothing retired between", a, b)
              .isNotEmpty();
        }
      }
    }
  }

  /** A refusal for a lease: a reservation of other content under the key that could hold one. */
  private void someoneHeld(Call c) {
    long lease = shared.lease.toNanos();
    assertThat(calls)
        .as("%s: no reservation of other content could hold a lease", c)
        .anyMatch(
            p ->
                p.ns.equals(c.ns)
                    && c.kind.equals(p.kind)
                    && c.key.equals(p.key)
                    && !Objects.equals(p.sha, c.sha)
                    && p.start < c.end + SLACK_NS
                    && (p.op == Op.DECLARE
                            && p.status == 201
                            && "pending".equals(p.answerState)
                            && c.start < p.end + lease + SLACK_NS
                        || p.op == Op.PUT_ENTRY && c.start < p.end + SLACK_NS));
  }

  /**
   * A reservation answered while the key's only upload so far was another content's, declared
   * within the lease before, with nothing since that could retire or drop its reservation: the
   * lease held, and the declaration should have been refused.
   */
  private void noLeaseCertainlyHeld(Call c) {
    List<Call> touching =
        calls.stream()
            .filter(
                t -> t != c && t.ns.equals(c.ns) && c.kind.equals(t.kind) && c.key.equals(t.key))
            .filter(t -> t.start < c.end + SLACK_NS)
            .filter(t -> t.op == Op.DECLARE && t.ok() || t.op == Op.PUT_ENTRY || t.op == Op.SEND)
            .toList();
    if (touching.size() != 1) {
      return;
    }
    Call p = touching.get(0);
    boolean holds =
        p.op == Op.DECLARE
            && p.status == 201
            && "pending".equals(p.answerState)
            && !p.sha.equals(c.sha)
            && p.end + SLACK_NS < c.start
            && c.end + SLACK_NS < p.start + shared.lease.toNanos();
    boolean undisturbed =
        calls.stream()
            .noneMatch(
                x ->
                    x.start < c.end
                        && x.end > p.start
                        && (Set.of(Op.PURGE, Op.RETENTION).contains(x.op)
                            || x.ns.equals(c.ns)
                                && Set.of(Op.INVALIDATE, Op.BLOCK).contains(x.op)));
    assertThat(holds && undisturbed)
        .as("%s reserved while %s held the key's lease", c, p)
        .isFalse();
  }

  /**
   * Bytes to a reservation answered {@code 404}: something could have dropped it first, another
   * upload to it (that found the key won, or lost it at commit) or a purge after its time could
   * have run out or after something that may retire ran (which then drops the retired row).
   */
  private void goneOnlyOnceDropped(Call c) {
    Call declared = c.reservation;
    if (declared == null) {
      return;
    }
    long ttl = shared.reservationTtl.toNanos();
    List<Call> retiring = queries.retiringAfter(c.ns, declared.start);
    assertThat(calls)
        .as("%s: %s's reservation gone, yet nothing could have dropped it", c, declared)
        .anyMatch(
            x ->
                x != c
                    && x.start < c.end
                    && (x.op == Op.SEND && c.id.equals(x.id)
                        || x.op == Op.PURGE
                            && (x.end + SLACK_NS > declared.start + ttl
                                || retiring.stream().anyMatch(r -> r.start < x.end))));
  }

  /**
   * Bytes refused because the reservation ran out: it could have (declared at least its time
   * before); bytes to a reservation certainly out of time made ready only by another PUT to it.
   */
  private void expiredInTime(Call c) {
    Call declared = c.reservation;
    if (declared == null) {
      return;
    }
    long ttl = shared.reservationTtl.toNanos();
    if ("reservation-expired".equals(c.type)) {
      assertThat(c.end + SLACK_NS)
          .as("%s: refused as expired before %s's time ran out", c, declared)
          .isGreaterThan(declared.start + ttl);
    }
    if (c.status == 200 && declared.end + ttl + SLACK_NS < c.start) {
      assertThat(calls)
          .as("%s made ready bytes sent after %s's reservation ran out", c, declared)
          .anyMatch(o -> o != c && o.op == Op.SEND && c.id.equals(o.id) && o.start < c.end);
    }
  }
}
