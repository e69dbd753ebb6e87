package dev.pt2cache.walk;

import dev.pt2cache.support.Fixtures;
import dev.pt2cache.walk.Walker.Op;
import java.time.Duration;

/**
 * The step that makes time pass: seconds, minutes, hours or days, across the limits the service
 * keeps in time (the upload lease, the reservation's end, the grace period, idle limits of days,
 * standing rules that expire).
 */
final class TimeSteps {

  /**
   * The walk makes at most this much time pass: past a year, purge deletes invalidation records
   * (PT2CACHE_INVALIDATION_HISTORY, 365 days), which the model leaves out.
   */
  private static final Duration AT_MOST = Duration.ofDays(300);

  private final WalkContext walk;
  private final WalkModel model;

  TimeSteps(WalkContext walk) {
    this.walk = walk;
    this.model = walk.model;
  }

  void pass(Op op) {
    if (model.advanced() > AT_MOST.toMillis()) {
      return;
    }
    long spread = op.b() * 1000L + op.c();
    Duration by =
        switch (op.a() % 20) {
          case 0, 1, 2, 3, 4, 5, 6 -> Duration.ofSeconds(1 + spread % 120);
          case 7, 8, 9, 10, 11 -> Duration.ofSeconds(120 + spread % 5_280);
          case 12, 13, 14, 15, 16 -> Duration.ofSeconds(3_600 + spread % 104_400);
          default -> Duration.ofSeconds(86_400 + spread % (11 * 86_400L));
        };
    walk.time.pass(
        walk.nsNames, walk.contents.stream().map(Fixtures::sha256).distinct().toList(), by);
    model.advance(by.toMillis());
    walk.reached(
        by.toDays() > 0
            ? "days"
            : by.toHours() > 0 ? "hours" : by.toMinutes() > 1 ? "minutes" : "seconds");
  }
}
