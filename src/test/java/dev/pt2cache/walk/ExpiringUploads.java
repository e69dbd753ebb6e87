package dev.pt2cache.walk;

import static dev.pt2cache.walk.ConcurrentSteps.DESCS;
import static dev.pt2cache.walk.ConcurrentSteps.ENTRY_KEYS;

import dev.pt2cache.support.Fixtures;
import dev.pt2cache.walk.History.Call;
import dev.pt2cache.walk.History.Op;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Uploads that reach a reservation's time (docs/configuration.md, {@code
 * PT2CACHE_RESERVATION_TTL}): bytes sent to a reservation just before, at or just after its time
 * runs out, now and then right after other content was declared under its key, and bodies that
 * begin before it runs out and pause until after, while the other workers go on declaring and
 * sending under the same keys. A worker waits for a reservation's time only where it is near
 * ({@code walk.leased.lateWaitMs}, 2000 by default), so a short walk reaches few and a long one
 * many.
 */
final class ExpiringUploads {

  private static final long WAIT_NS =
      TimeUnit.MILLISECONDS.toNanos(Long.getLong("walk.leased.lateWaitMs", 2000));

  private final SharedWalk shared;
  private final RacingUploads uploads;
  private final Random random;

  ExpiringUploads(SharedWalk shared, ConcurrentSteps plain) {
    this.shared = shared;
    this.uploads = plain.uploads;
    this.random = plain.random;
  }

  /**
   * Bytes sent from 200 ms before a reservation's time runs out to 400 ms after, or at once to one
   * long out of time; half of the time other content is declared under its key first. Where no
   * reservation is near, one is declared and left for a later step.
   */
  void late(int instance, String ns) {
    long jitter = TimeUnit.MILLISECONDS.toNanos(random.nextInt(600) - 200);
    Call reservation = near(jitter);
    if (reservation == null) {
      // one left without bytes for a later step to reach
      uploads.declare(instance, ns, random.nextInt(2), random.nextInt(shared.contents.size()));
      return;
    }
    sleepUntil(due(reservation) + jitter);
    boolean other = random.nextBoolean();
    if (other) {
      declareOther((instance + 1) % shared.instances.size(), reservation);
    }
    Call sent = uploads.sendTo(instance, reservation, null, random.nextInt(8) == 0, 0);
    sent.expiry =
        (sent.start > due(reservation) + shared.reservationTtl.toNanos() / 30
                ? "late, out of time"
                : "late, near its time")
            + (other ? ", other declared" : "");
  }

  /** A body that begins before a reservation's time runs out and ends 50 to 500 ms after it. */
  void across(int instance) {
    long now = System.nanoTime();
    Call reservation = near(-TimeUnit.MILLISECONDS.toNanos(100));
    // the service's time runs out at the earliest its time after it was asked, at the latest
    // its time after it was answered (due)
    if (reservation == null
        || reservation.start + shared.reservationTtl.toNanos()
            < now + TimeUnit.MILLISECONDS.toNanos(100)) {
      return;
    }
    long pause = due(reservation) - now + TimeUnit.MILLISECONDS.toNanos(50 + random.nextInt(450));
    Call sent =
        uploads.sendTo(
            instance, reservation, null, false, (int) TimeUnit.NANOSECONDS.toMillis(pause));
    sent.expiry = "across its time";
  }

  /**
   * A reservation no bytes were answered ready for yet whose time, moved by {@code offset}, runs
   * out within the wait allowed: the one nearest, or, where none does, any that ran out.
   */
  private Call near(long offset) {
    Set<String> sent =
        shared.history.where(c -> c.op == Op.SEND && c.id != null && settles(c)).stream()
            .map(c -> c.id)
            .collect(Collectors.toSet());
    List<Call> all;
    synchronized (shared) {
      all = shared.reservations.stream().filter(r -> !sent.contains(r.answerId)).toList();
    }
    if (all.isEmpty()) {
      return null;
    }
    long now = System.nanoTime();
    List<Call> coming =
        all.stream()
            .filter(r -> due(r) + offset > now && due(r) + offset < now + WAIT_NS)
            .sorted(Comparator.comparingLong(this::due))
            .toList();
    if (!coming.isEmpty()) {
      return coming.get(0);
    }
    List<Call> past = all.stream().filter(r -> due(r) + offset <= now).toList();
    return past.isEmpty() ? null : past.get(random.nextInt(past.size()));
  }

  /**
   * Whether bytes sent to a reservation were answered so that no later bytes can make it ready:
   * ready, dropped, beaten or retired (not refused for its time, its bytes, its caller or the
   * store).
   */
  private static boolean settles(Call sent) {
    return sent.status == 200
        || sent.status == 404
        || sent.status == 409
        || sent.status == 410 && !"reservation-expired".equals(sent.type);
  }

  /** When the reservation's time runs out, by the walk's clock: its time from its answer. */
  private long due(Call reservation) {
    return reservation.end + shared.reservationTtl.toNanos();
  }

  private void declareOther(int instance, Call reservation) {
    boolean mega = reservation.desc != null;
    int which = mega ? DESCS.indexOf(reservation.desc) : ENTRY_KEYS.indexOf(reservation.key);
    int content = random.nextInt(shared.contents.size());
    if (Fixtures.sha256(shared.contents.get(content)).equals(reservation.sha)) {
      content = (content + 1) % shared.contents.size();
    }
    uploads.declare(instance, reservation.ns, which, content, mega, null);
  }

  private static void sleepUntil(long nanoTime) {
    long wait = nanoTime - System.nanoTime();
    if (wait > 0) {
      try {
        TimeUnit.NANOSECONDS.sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
