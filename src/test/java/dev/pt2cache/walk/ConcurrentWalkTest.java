package dev.pt2cache.walk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.EmbeddedInfra;
import dev.pt2cache.support.SecondInstance;
import dev.pt2cache.support.ServiceTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
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

  private static SecondInstance second;

  @Test
  void everyAnswerIsOneSomeOrderOfTheOverlappingCallsAllows() throws Exception {
    List<ApiClient> instances = List.of(api, new ApiClient(secondPort()));
    rounds()
        .walk(
            seed -> walkFor(instances, seed),
            (shared, w, seed) -> new ConcurrentSteps(shared, w, seed)::step,
            ConcurrentWalkTest::storeHolds);
  }

  /** The walk's budget, from {@code walk.concurrent.*} (class Javadoc). */
  ConcurrentRounds rounds() {
    return new ConcurrentRounds("walk.concurrent", 2, 4, 10, 3);
  }

  /** A seed's walk: {@link #newWalk}. */
  SharedWalk walkFor(List<ApiClient> instances, long seed) {
    return newWalk(instances, seed);
  }

  /**
   * Two fresh namespaces (the second retiring at two reporters), contents, and the derived keys.
   */
  static SharedWalk newWalk(List<ApiClient> instances, long seed) {
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
  private int secondPort() {
    synchronized (ConcurrentWalkTest.class) {
      if (second == null) {
        second = secondInstance();
      }
      return second.port();
    }
  }

  /** Another instance, with this class's settings. */
  SecondInstance secondInstance() {
    return new SecondInstance(ConcurrentWalkTest.class);
  }

  @AfterAll
  static void stopSecond() {
    if (second != null) {
      second.close();
      second = null;
    }
  }

  static boolean storeHolds(String sha256) {
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
