package dev.pt2cache.walk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.artifact.HitRecorder;
import dev.pt2cache.support.ServiceTest;
import dev.pt2cache.walk.Walker.Op;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * A seeded random walk over the whole API against {@link WalkModel}: declarations, bytes, entries,
 * lookups, downloads, invalidations and standing rules, lifts, idempotent resends, reports, quotas
 * and housekeeping runs, in two namespaces with few keys and few contents so that they collide; and
 * time passing, seconds to days at a step ({@link TimeTravel}), on a service of its own context
 * with the default reservation time, grace period and idle limit and a 10-minute lease. Each answer
 * is checked against what the model allows, and after each step every artifact's state, the
 * namespaces' counts and bytes, one ready artifact per key and a stored object behind each ready
 * one.
 *
 * <p>A few seeds by default; {@code -Dwalk.seeds=N -Dwalk.steps=M} (and {@code -Dwalk.seed=S} to
 * start elsewhere) walks longer, {@code -Dwalk.keepGoing=true} past a failing seed. A failure names
 * its seed and step and the shortest list of steps found that still fails, replayed on fresh
 * namespaces.
 */
@TestPropertySource(
    properties = {
      // the times the model keeps (WalkModel): the defaults, and an upload lease
      "pt2cache.uploads.reservation-ttl=1h",
      "pt2cache.housekeeping.grace=1h",
      "pt2cache.uploads.in-flight-lease=10m",
      "pt2cache.namespaces.default-max-idle-days=30",
      // hits are written when the walk says (retention, time passing), never behind its back
      "pt2cache.hits.flush-interval=1h"
    })
class ApiWalkTest extends ServiceTest {

  private static final int SEEDS = Integer.getInteger("walk.seeds", 3);
  private static final int STEPS = Integer.getInteger("walk.steps", 60);
  private static final long FIRST_SEED = Long.getLong("walk.seed", 1);
  private static final int SHRINK_BUDGET = 6000;

  /** Walks every seed, failing or not, and reports each failure at the end. */
  private static final boolean KEEP_GOING = Boolean.getBoolean("walk.keepGoing");

  @Test
  void everyAnswerIsOneTheModelAllows() {
    long start = System.nanoTime();
    List<String> failures = new ArrayList<>();
    for (long seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) {
      Random random = new Random(seed);
      List<Op> ops = new ArrayList<>();
      for (int i = 0; i < STEPS; i++) {
        ops.add(Op.random(random));
      }
      AssertionError failure = replay(seed, ops);
      if (failure != null) {
        int step = failedAt;
        List<Op> shortest = shrink(seed, ops);
        AssertionError again = replay(seed, shortest);
        failures.add(
            "seed %d fails at step %d; the shortest sequence found (%d steps):%n  %s%nits failure: %s"
                .formatted(
                    seed,
                    step,
                    shortest.size(),
                    String.join("\n  ", shortest.stream().map(Op::toString).toList()),
                    again == null ? "(passed when replayed)" : again.getMessage()));
        System.out.println(failures.get(failures.size() - 1));
        if (!KEEP_GOING) {
          break;
        }
      }
    }
    System.out.printf(
        "walked %d seeds from %d, %d steps each, in %d s; answers reached:%n",
        SEEDS, FIRST_SEED, STEPS, (System.nanoTime() - start) / 1_000_000_000);
    WalkContext.REACHED.forEach((what, n) -> System.out.printf("  %s: %d%n", what, n));
    assertThat(failures).as("walks that failed").isEmpty();
  }

  private int failedAt;

  @Autowired private HitRecorder hits;

  /** Plays the steps on fresh namespaces; the failure, or null. */
  private AssertionError replay(long seed, List<Op> ops) {
    Walker walker = new Walker(api, ApiWalkTest::storeHolds, new StoredTimes(), seed);
    for (int i = 0; i < ops.size(); i++) {
      try {
        walker.play(ops.get(i));
      } catch (AssertionError e) {
        failedAt = i;
        return e;
      }
    }
    return null;
  }

  /**
   * Cuts the steps after the failing one, then drops runs of steps, halving their length down to
   * one step, while the walk still fails at its last step, within a budget of steps replayed.
   */
  private List<Op> shrink(long seed, List<Op> ops) {
    List<Op> current = new ArrayList<>(ops.subList(0, failedAt + 1));
    int spent = 0;
    for (int run = Math.max(1, current.size() / 2); run >= 1; run /= 2) {
      for (int from = current.size() - 1 - run; from >= 0 && spent < SHRINK_BUDGET; from -= run) {
        List<Op> without = new ArrayList<>(current.subList(0, from));
        without.addAll(current.subList(from + run, current.size()));
        spent += without.size();
        if (replay(seed, without) != null && failedAt == without.size() - 1) {
          current = without;
        }
      }
    }
    return current;
  }

  /** Time passing, played on the stored times as other tests play it on one row. */
  private final class StoredTimes implements TimeTravel {

    @Override
    public void expire(String artifactId) {
      jdbc.sql(
              "update artifact set upload_expires_at = now() - interval '1 minute' where id = ?::uuid")
          .param(artifactId)
          .update();
    }

    @Override
    public void pass(List<String> namespaces, List<String> digests, Duration by) {
      hits.flush();
      String[] names = namespaces.toArray(String[]::new);
      double seconds = by.toSeconds();
      moveBack(
          "artifact",
          List.of(
              "created_at",
              "upload_expires_at",
              "reserved_at",
              "ready_at",
              "last_hit_at",
              "invalidated_at",
              "evicted_at"),
          "namespace = any(:in)",
          names,
          seconds);
      moveBack(
          "invalidation",
          List.of("created_at", "expires_at", "lifted_at"),
          "namespace = any(:in)",
          names,
          seconds);
      moveBack(
          "eviction",
          List.of("evicted_at", "last_used_at"),
          "namespace = any(:in)",
          names,
          seconds);
      moveBack(
          "artifact_report",
          List.of("reported_at"),
          "artifact_id in (select id from artifact where namespace = any(:in))",
          names,
          seconds);
      moveBack(
          "blob",
          List.of("created_at", "last_referenced_at"),
          "sha256 = any(:in)",
          digests.toArray(String[]::new),
          seconds);
    }

    private void moveBack(
        String table, List<String> columns, String where, String[] in, double seconds) {
      String set =
          String.join(
              ", ",
              columns.stream().map(c -> c + " = " + c + " - make_interval(secs => :s)").toList());
      jdbc.sql("update " + table + " set " + set + " where " + where)
          .param("s", seconds)
          .param("in", in)
          .update();
    }
  }

  private static boolean storeHolds(String sha256) {
    try {
      s3().headObject(
              b -> b.bucket(dev.pt2cache.support.EmbeddedInfra.BUCKET).key(blobKey(sha256)));
      return true;
    } catch (NoSuchKeyException e) {
      return false;
    } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
      if (e.statusCode() == 404) {
        return false;
      }
      throw e;
    }
  }
}
