package dev.pt2cache.walk;

import dev.pt2cache.walk.CallRecorder.Refused;

/**
 * One worker's steps in the walk with an upload lease, short reservations and tokens: each step
 * goes with the operator's token or with a namespace's admin, write or read token (a call the role
 * may not make is refused {@code 403} and ends the step), and is one of the plain walk's steps
 * ({@link ConcurrentSteps}), a HEAD or ranged read ({@link PartialReads}), a call sent again with
 * its {@code Idempotency-Key} ({@link Resends}), or bytes that reach a reservation's time ({@link
 * ExpiringUploads}).
 */
final class LeasedSteps {

  /** Who calls, by index into each instance's callers: -1 the operator, more often than each. */
  private static final int[] CALLERS = {-1, -1, 0, 1, 2};

  private final SharedWalk shared;
  private final ConcurrentSteps plain;
  private final PartialReads reads;
  private final Resends resends;
  private final ExpiringUploads expiring;

  LeasedSteps(SharedWalk shared, int worker, long seed) {
    this.shared = shared;
    this.plain = new ConcurrentSteps(shared, worker, seed);
    this.reads = new PartialReads(shared, plain, worker);
    this.resends = new Resends(shared, plain, worker);
    this.expiring = new ExpiringUploads(shared, plain);
  }

  void step() {
    var random = plain.random;
    plain.recorder.as(CALLERS[random.nextInt(CALLERS.length)]);
    int pick = random.nextInt(100);
    int instance = random.nextInt(shared.instances.size());
    String ns = shared.nsNames.get(random.nextInt(2));
    try {
      if (random.nextInt(100) < shared.expiringPercent) {
        // as the operator, who may send to a reservation in either namespace
        plain.recorder.as(-1);
        if (random.nextInt(3) == 0) {
          expiring.across(instance);
        } else {
          expiring.late(instance, ns);
        }
      } else if (pick < 50) {
        plain.step();
      } else if (pick < 57) {
        reads.headContent(instance);
      } else if (pick < 62) {
        reads.headEntry(instance, ns);
      } else if (pick < 70) {
        reads.rangeContent(instance);
      } else if (pick < 76) {
        reads.rangeEntry(instance, ns);
      } else if (pick < 83) {
        resends.invalidation(instance, ns);
      } else if (pick < 91) {
        resends.content(instance);
      } else {
        resends.declaration(instance, ns);
      }
    } catch (Refused refused) {
      // answered 403 as the role requires; recorded, and nothing else of the step is played
    }
  }
}
