package dev.pt2cache.walk;

import dev.pt2cache.walk.History.Call;
import dev.pt2cache.walk.History.Op;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What the checks of a concurrent walk ask of its {@link History}: which calls may have retired
 * something since a moment, which standing rules could or must have been in force over a call, and
 * whether some call declared a content under a key.
 */
final class CallQueries {

  private static final Set<Op> RETIRING_IN_NS = EnumSet.of(Op.INVALIDATE, Op.BLOCK, Op.SETTINGS);

  private final SharedWalk shared;
  final List<Call> calls;

  CallQueries(SharedWalk shared) {
    this.shared = shared;
    this.calls = shared.history.where(c -> !changedNothing(c));
  }

  /**
   * Calls refused in a way that changes nothing by contract: a token's {@code 403}, and an
   * invalidation, lift or settings change refused. The checks judge answers as if these had never
   * been made, so anything one of them changed shows up unexplained.
   */
  static boolean changedNothing(Call c) {
    return c.status == 403
        || c.status >= 400
            && EnumSet.of(Op.INVALIDATE, Op.BLOCK, Op.LIFT, Op.SETTINGS).contains(c.op);
  }

  /** A blocking rule matching the call, begun before it ended and not lifted before it began. */
  List<Call> possibleBlock(Call c) {
    return calls.stream()
        .filter(b -> b.op == Op.BLOCK && b.ns.equals(c.ns) && b.start < c.end)
        .filter(b -> b.sel.matches(c.kind, c.key, c.desc, null))
        .filter(
            b ->
                calls.stream()
                    .noneMatch(l -> l.op == Op.LIFT && b.id.equals(l.id) && l.end < c.start))
        .toList();
  }

  /**
   * A blocking rule matching the call's upload or lookup, recorded before it began and not lifted
   * by its end.
   */
  List<Call> firmBlock(Call c) {
    return calls.stream()
        .filter(b -> b.op == Op.BLOCK && b.ok() && b.ns.equals(c.ns) && b.end < c.start)
        .filter(b -> b.sel.matches(c.kind, c.key, c.desc, c.answerId))
        .filter(
            b ->
                calls.stream()
                    .noneMatch(l -> l.op == Op.LIFT && b.id.equals(l.id) && l.start < c.end))
        .toList();
  }

  /** Calls that may retire something in the namespace and ended after {@code from}. */
  List<Call> retiringAfter(String ns, long from) {
    int index = shared.nsNames.indexOf(ns);
    return calls.stream()
        .filter(x -> x.end > from)
        .filter(
            x ->
                x.op == Op.RETENTION
                    || x.ns.equals(ns)
                        && (RETIRING_IN_NS.contains(x.op)
                            || x.op == Op.REPORT && ConcurrentSteps.THRESHOLDS[index] != null))
        .toList();
  }

  /**
   * Whether a declaration or entry PUT of this content under this key started before {@code by}.
   */
  boolean asked(String ns, String kind, String key, String sha, long by) {
    return calls.stream()
        .anyMatch(
            d ->
                (d.op == Op.DECLARE || d.op == Op.PUT_ENTRY)
                    && d.ns.equals(ns)
                    && kind.equals(d.kind)
                    && key.equals(d.key)
                    && Objects.equals(sha, d.sha)
                    && d.start < by);
  }
}
