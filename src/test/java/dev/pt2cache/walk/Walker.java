package dev.pt2cache.walk;

import static dev.pt2cache.walk.Caller.ADMIN;
import static dev.pt2cache.walk.Caller.OPERATOR;
import static dev.pt2cache.walk.Caller.READ;
import static dev.pt2cache.walk.Caller.WRITE;
import static dev.pt2cache.walk.WalkContext.DESCS;
import static dev.pt2cache.walk.WalkContext.ENTRY_KEYS;

import dev.pt2cache.support.ApiClient;
import java.util.Random;
import java.util.function.Predicate;

/**
 * Plays a list of {@link Op}s against the service and the {@link WalkModel} side by side, checking
 * every answer against what the model allows and, after each step, the invariants of both
 * namespaces. The steps of each area of the API are played by their own class; this one picks them,
 * sends a token that may not make the call to {@link Forbidden}, and dispatches the rest.
 */
final class Walker {

  /** What a step does; its numbers pick among what the model holds when it runs. */
  enum Kind {
    DECLARE_MEGA(14),
    DECLARE_KEYED(4),
    SEND(14),
    SEND_AGAIN(2),
    PUT_ENTRY(8),
    GET_ENTRY(6),
    LOOKUP(10),
    DOWNLOAD(4),
    INVALIDATE(4),
    BLOCK(3),
    RESEND_INVALIDATION(2),
    LIFT(6),
    REPORT(5),
    SETTINGS(3),
    CLEAR_REPORTS(1),
    RETENTION(3),
    PURGE(3),
    RECONCILE(1),
    /** Time passes for one reservation: its {@code uploadExpiresAt} is moved into the past. */
    EXPIRE(2),
    /** Time passes for everything: seconds to days ({@link TimeSteps}). */
    PASS_TIME(6);

    final int weight;

    Kind(int weight) {
      this.weight = weight;
    }

    /** docs/access.md: the role a call needs (3: the operator's token). */
    int needs() {
      return switch (this) {
        case GET_ENTRY, LOOKUP, DOWNLOAD -> READ;
        case DECLARE_MEGA, DECLARE_KEYED, SEND, SEND_AGAIN, PUT_ENTRY, REPORT -> WRITE;
        case INVALIDATE, BLOCK, RESEND_INVALIDATION, LIFT, SETTINGS, CLEAR_REPORTS -> ADMIN;
        case RETENTION, PURGE, RECONCILE -> OPERATOR;
        case EXPIRE, PASS_TIME -> READ;
      };
    }
  }

  record Op(Kind kind, int ns, int who, int a, int b, int c) {

    static Op random(Random random) {
      int total = 0;
      for (Kind k : Kind.values()) {
        total += k.weight;
      }
      int pick = random.nextInt(total);
      Kind kind = null;
      for (Kind k : Kind.values()) {
        pick -= k.weight;
        if (pick < 0) {
          kind = k;
          break;
        }
      }
      int who = random.nextInt(10) < 8 ? 0 : 1 + random.nextInt(4);
      return new Op(
          kind,
          random.nextInt(2),
          who,
          random.nextInt(1000),
          random.nextInt(1000),
          random.nextInt(1000));
    }
  }

  private final WalkContext walk;
  private final UploadSteps uploads;
  private final EntrySteps entries;
  private final LookupSteps lookups;
  private final InvalidationSteps invalidations;
  private final ReportSteps reports;
  private final NamespaceSteps namespaces;
  private final HousekeepingSteps housekeeping;
  private final TimeSteps time;

  Walker(ApiClient api, Predicate<String> storeHolds, TimeTravel time, long seed) {
    walk = new WalkContext(api, storeHolds, time, seed);
    this.time = new TimeSteps(walk);
    uploads = new UploadSteps(walk);
    entries = new EntrySteps(walk);
    lookups = new LookupSteps(walk);
    invalidations = new InvalidationSteps(walk);
    reports = new ReportSteps(walk);
    namespaces = new NamespaceSteps(walk);
    housekeeping = new HousekeepingSteps(walk);
  }

  void play(Op op) {
    String ns = walk.nsNames.get(op.ns());
    walk.current = op.kind();
    walk.who = walk.callers.get(op.who());
    if (op.kind() != Kind.EXPIRE
        && op.kind() != Kind.PASS_TIME
        && !walk.who.may(ns, op.kind().needs())) {
      Forbidden.check(
          walk.caller(), ns, op.kind(), walk.model.in(ns).stream().map(a -> a.id).findFirst());
      walk.reached("forbidden");
    } else {
      dispatch(ns, op);
    }
    for (String name : walk.nsNames) {
      Invariants.check(walk.api, walk.model, name, walk.storeHolds);
    }
  }

  private void dispatch(String ns, Op op) {
    int contents = walk.contents.size();
    switch (op.kind()) {
      case DECLARE_MEGA -> uploads.declareMega(ns, DESCS.get(op.a() % 3), op.b() % contents);
      case DECLARE_KEYED ->
          uploads.declareKeyed(ns, ENTRY_KEYS.get(op.a() % ENTRY_KEYS.size()), op.b() % contents);
      case SEND -> uploads.send(ns, op, State.PENDING);
      case SEND_AGAIN -> uploads.send(ns, op, null);
      case PUT_ENTRY -> entries.putEntry(ns, op);
      case GET_ENTRY ->
          entries.getEntry(ns, ENTRY_KEYS.get(op.a() % ENTRY_KEYS.size()), op.b() % 2 == 0);
      case LOOKUP -> lookups.lookup(ns, DESCS.get(op.a() % 3));
      case DOWNLOAD -> lookups.download(ns, op);
      case INVALIDATE -> invalidations.invalidate(ns, op, false);
      case BLOCK -> invalidations.invalidate(ns, op, true);
      case RESEND_INVALIDATION -> invalidations.resend(ns, op);
      case LIFT -> invalidations.lift(ns, op);
      case REPORT -> reports.report(ns, op);
      case SETTINGS -> namespaces.settings(ns, op);
      case RETENTION -> housekeeping.retention();
      case PURGE -> housekeeping.purge();
      case RECONCILE -> housekeeping.reconcile();
      case EXPIRE -> uploads.expireOne(ns, op);
      case PASS_TIME -> time.pass(op);
      case CLEAR_REPORTS -> reports.clearReports(ns, op);
    }
  }
}
