package dev.pt2cache.walk;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import java.util.function.Predicate;

/**
 * How a concurrent walk is played: for each seed a fresh {@link SharedWalk}, rounds in which the
 * workers step at once, and after each round, once they have joined, {@link ConcurrentChecks}. Its
 * budget comes from system properties under a prefix ({@code walk.concurrent}: {@code .seeds},
 * {@code .rounds}, {@code .steps}, {@code .workers}, {@code .seed} to start elsewhere, {@code
 * .keepGoing} past a failing seed). A failure names its seed and round and lists the round's calls
 * in the order they started.
 */
final class ConcurrentRounds {

  /** One worker's steps. */
  interface Worker {
    void step();
  }

  /** Makes worker {@code w} of a walk for a seed. */
  interface Workers {
    Worker make(SharedWalk shared, int w, long seed);
  }

  private final String prefix;
  private final int seeds;
  private final int rounds;
  private final int steps;
  private final int workers;
  private final long firstSeed;
  private final boolean keepGoing;
  private Runnable beforeSteps = () -> {};
  private Runnable beforeChecks = () -> {};

  ConcurrentRounds(String prefix, int seeds, int rounds, int steps, int workers) {
    this.prefix = prefix;
    this.seeds = Integer.getInteger(prefix + ".seeds", seeds);
    this.rounds = Integer.getInteger(prefix + ".rounds", rounds);
    this.steps = Integer.getInteger(prefix + ".steps", steps);
    this.workers = Integer.getInteger(prefix + ".workers", workers);
    this.firstSeed = Long.getLong(prefix + ".seed", 1);
    this.keepGoing = Boolean.getBoolean(prefix + ".keepGoing");
  }

  /**
   * Runs these before each round's steps and before its checks: the store's weather, say, bad while
   * the workers step and calm while the checks read what they left.
   */
  ConcurrentRounds around(Runnable beforeSteps, Runnable beforeChecks) {
    this.beforeSteps = beforeSteps;
    this.beforeChecks = beforeChecks;
    return this;
  }

  /** Walks every seed and fails, at the end, with each failing seed described. */
  void walk(LongFunction<SharedWalk> newWalk, Workers make, Predicate<String> storeHolds)
      throws Exception {
    long start = System.nanoTime();
    List<String> failures = new ArrayList<>();
    int calls = 0;
    Map<String, Integer> answers = new TreeMap<>();
    for (long seed = firstSeed; seed < firstSeed + seeds; seed++) {
      SharedWalk shared = newWalk.apply(seed);
      String failure = rounds(shared, seed, make, storeHolds);
      calls += shared.history.all().size();
      shared
          .history
          .all()
          .forEach(
              c ->
                  answers.merge(
                      c.op
                          + (c.expiry == null ? "" : " (" + c.expiry + ")")
                          + " "
                          + c.status
                          + (c.type == null ? "" : " " + c.type),
                      1,
                      Integer::sum));
      if (failure != null) {
        failures.add(failure);
        System.out.println(failure);
        if (!keepGoing) {
          break;
        }
      }
    }
    System.out.printf(
        "%s: walked %d seeds from %d, %d rounds of %d workers x %d steps, %d calls, in %d s;"
            + " answers:%n",
        prefix,
        seeds,
        firstSeed,
        rounds,
        workers,
        steps,
        calls,
        (System.nanoTime() - start) / 1_000_000_000);
    answers.forEach((what, n) -> System.out.printf("  %s: %d%n", what, n));
    assertThat(failures).as("concurrent walks that failed").isEmpty();
  }

  /** The rounds of one seed; the failure, described, or null. */
  private String rounds(SharedWalk shared, long seed, Workers make, Predicate<String> storeHolds)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(workers);
    try {
      List<Worker> all = new ArrayList<>();
      for (int w = 0; w < workers; w++) {
        all.add(make.make(shared, w, seed));
      }
      for (int round = 0; round < rounds; round++) {
        beforeSteps.run();
        List<Future<?>> running = new ArrayList<>();
        for (Worker worker : all) {
          running.add(
              pool.submit(
                  () -> {
                    for (int i = 0; i < steps; i++) {
                      worker.step();
                    }
                    return null;
                  }));
        }
        Throwable failed = null;
        for (Future<?> f : running) {
          try {
            f.get(5, TimeUnit.MINUTES);
          } catch (ExecutionException e) {
            failed = failed == null ? e.getCause() : failed;
          }
        }
        beforeChecks.run();
        if (failed == null) {
          try {
            new ConcurrentChecks(shared, storeHolds).atQuiescence(round);
          } catch (AssertionError e) {
            failed = e;
          }
        }
        if (failed != null) {
          return describe(seed, round, shared, failed);
        }
      }
      return null;
    } finally {
      pool.shutdownNow();
    }
  }

  private static String describe(long seed, int round, SharedWalk shared, Throwable failed) {
    List<History.Call> calls = new ArrayList<>(shared.history.all());
    calls.sort(Comparator.comparingLong(c -> c.start));
    StringBuilder text =
        new StringBuilder(
            "seed %d fails in round %d: %s%ncalls (by start):%n".formatted(seed, round, failed));
    calls.forEach(c -> text.append("  ").append(c).append('\n'));
    return text.toString();
  }
}
