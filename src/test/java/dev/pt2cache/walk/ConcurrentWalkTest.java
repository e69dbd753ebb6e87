package dev.pt2cache.walk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.EmbeddedInfra;
import dev.pt2cache.support.SecondInstance;
import dev.pt2cache.support.ServiceTest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Two clients at once: workers issue seeded random steps at the same moment, through two instances
 * of the service on one PostgreSQL and one bucket, on two namespaces with two descriptors, two
 * entry keys and three contents, so that they collide: declarations and content PUTs racing for one
 * key, identical content racing, entries put and got on one key, lookups and their downloads while
 * blocking invalidations and lifts run, reports, quota changes and retention while uploads are
 * under way, purge and reconcile. Each answer must be one some order of the calls that overlapped
 * it allows ({@link ConcurrentChecks}); after each round, once the workers have joined, the
 * single-threaded invariants hold.
 *
 * <p>A small budget by default; {@code -Dwalk.concurrent.seeds=N -Dwalk.concurrent.rounds=R
 * -Dwalk.concurrent.steps=M -Dwalk.concurrent.workers=W} (and {@code -Dwalk.concurrent.seed=S} to
 * start elsewhere) walks longer, {@code -Dwalk.concurrent.keepGoing=true} past a failing seed. A
 * failure names its seed and round and lists the round's calls in the order they started.
 */
class ConcurrentWalkTest extends ServiceTest {

  private static final int SEEDS = Integer.getInteger("walk.concurrent.seeds", 2);
  private static final int ROUNDS = Integer.getInteger("walk.concurrent.rounds", 4);
  private static final int STEPS = Integer.getInteger("walk.concurrent.steps", 10);
  private static final int WORKERS = Integer.getInteger("walk.concurrent.workers", 3);
  private static final long FIRST_SEED = Long.getLong("walk.concurrent.seed", 1);
  private static final boolean KEEP_GOING = Boolean.getBoolean("walk.concurrent.keepGoing");

  private static SecondInstance second;

  @Test
  void everyAnswerIsOneSomeOrderOfTheOverlappingCallsAllows() throws Exception {
    long start = System.nanoTime();
    List<ApiClient> instances = List.of(api, new ApiClient(secondPort()));
    List<String> failures = new ArrayList<>();
    int steps = 0;
    Map<String, Integer> answers = new TreeMap<>();
    for (long seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) {
      SharedWalk shared = newWalk(instances, seed);
      String failure = walk(shared, seed);
      steps += shared.history.all().size();
      shared
          .history
          .all()
          .forEach(
              c ->
                  answers.merge(
                      c.op + " " + c.status + (c.type == null ? "" : " " + c.type),
                      1,
                      Integer::sum));
      if (failure != null) {
        failures.add(failure);
        System.out.println(failure);
        if (!KEEP_GOING) {
          break;
        }
      }
    }
    System.out.printf(
        "walked %d seeds from %d, %d rounds of %d workers x %d steps, %d calls, in %d s; answers:%n",
        SEEDS,
        FIRST_SEED,
        ROUNDS,
        WORKERS,
        STEPS,
        steps,
        (System.nanoTime() - start) / 1_000_000_000);
    answers.forEach((what, n) -> System.out.printf("  %s: %d%n", what, n));
    assertThat(failures).as("concurrent walks that failed").isEmpty();
  }

  /** The rounds of one seed; the failure, described, or null. */
  private String walk(SharedWalk shared, long seed) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
    try {
      List<ConcurrentSteps> workers = new ArrayList<>();
      for (int w = 0; w < WORKERS; w++) {
        workers.add(new ConcurrentSteps(shared, w, seed));
      }
      for (int round = 0; round < ROUNDS; round++) {
        List<Future<?>> running = new ArrayList<>();
        for (ConcurrentSteps worker : workers) {
          running.add(
              pool.submit(
                  () -> {
                    for (int i = 0; i < STEPS; i++) {
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
        if (failed == null) {
          try {
            new ConcurrentChecks(shared, ConcurrentWalkTest::storeHolds).atQuiescence(round);
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

  /**
   * Two fresh namespaces (the second retiring at two reporters), contents, and the derived keys.
   */
  private static SharedWalk newWalk(List<ApiClient> instances, long seed) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      String name = "cw-" + UUID.randomUUID().toString().substring(0, 12);
      ApiResponse created =
          instances
              .get(i)
              .putJson(
                  "/v1/namespaces/" + name,
                  "{\"invalidateAfterReports\": %s}".formatted(ConcurrentSteps.THRESHOLDS[i]));
      assertThat(created.status()).as(created.text()).isEqualTo(201);
      names.add(name);
    }
    Random bytes = new Random(seed ^ 0x5DEECE66DL);
    List<byte[]> contents = new ArrayList<>();
    for (int size : new int[] {300 + bytes.nextInt(300), 700 + bytes.nextInt(150), 1200}) {
      byte[] content = new byte[size];
      bytes.nextBytes(content);
      contents.add(content);
    }
    List<String> keys = new ArrayList<>();
    for (Desc desc : ConcurrentSteps.DESCS) {
      ApiResponse miss =
          instances
              .get(0)
              .postJson(
                  "/v1/namespaces/" + names.get(0) + "/lookups",
                  Descriptors.lookup(ConcurrentSteps.MEGA, WalkContext.descriptorJson(desc)));
      keys.add(miss.json().get("key").asString());
    }
    return new SharedWalk(instances, names, contents, keys);
  }

  /** A second instance, with the settings of the first, on its database and bucket. */
  private static synchronized int secondPort() {
    if (second == null) {
      second = new SecondInstance(ConcurrentWalkTest.class);
    }
    return second.port();
  }

  @AfterAll
  static void stopSecond() {
    if (second != null) {
      second.close();
      second = null;
    }
  }

  private static boolean storeHolds(String sha256) {
    try {
      s3().headObject(b -> b.bucket(EmbeddedInfra.BUCKET).key(blobKey(sha256)));
      return true;
    } catch (NoSuchKeyException e) {
      return false;
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return false;
      }
      throw e;
    }
  }
}
