package dev.pt2cache.walk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.SecondInstance;
import dev.pt2cache.support.ServiceTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * The concurrent walk ({@link ConcurrentWalkTest}) with what production fleets meet on top: an
 * upload lease of a second and reservations of three (so that leases lapse and other content takes
 * a key over, and reservations run out, within a run), tokens of each role of one namespace beside
 * the operator's (a call a role may not make answered {@code 403} and changing nothing), calls sent
 * again with their {@code Idempotency-Key} (invalidations, declarations, content PUTs, now and then
 * with another body), and HEAD and ranged reads of artifacts and entries, on two instances with
 * colliding keys. Each answer is judged against the calls that overlapped it ({@link
 * ConcurrentChecks}, {@link LeaseChecks}, {@link ResendChecks}); ranged bytes against the slice of
 * the content their tag names ({@link PartialReads}).
 *
 * <p>Reservations run out within a seed: 8 steps in a hundred ({@code -Dwalk.leased.expiring=P}
 * percent) sends bytes to a reservation around its time or pauses a body across it ({@link
 * ExpiringUploads}, waiting at most {@code -Dwalk.leased.lateWaitMs}), and a third of the seeds
 * never purge and a third purge one step in six, so that an expired reservation is met before a
 * purge (grace 0) drops it.
 *
 * <p>A small budget by default; {@code -Dwalk.leased.seeds=N -Dwalk.leased.rounds=R
 * -Dwalk.leased.steps=M -Dwalk.leased.workers=W} (and {@code -Dwalk.leased.seed=S}, {@code
 * -Dwalk.leased.keepGoing=true}) walks longer.
 */
@TestPropertySource(
    properties = {"pt2cache.uploads.in-flight-lease=1s", "pt2cache.uploads.reservation-ttl=3s"})
class LeasedConcurrentWalkTest extends ServiceTest {

  static final Duration LEASE = Duration.ofSeconds(1);
  static final Duration RESERVATION = Duration.ofSeconds(3);

  private static SecondInstance second;

  @Test
  void everyAnswerIsOneSomeOrderOfTheOverlappingCallsAllowsUnderLeasesTokensAndResends()
      throws Exception {
    if (second == null) {
      second = secondInstance();
    }
    List<ApiClient> instances = List.of(api, new ApiClient(second.port()));
    // a guard: the second instance holds the lease the first granted, so it runs with this class's
    // settings (a lease of none, as it had before support.SecondInstance, answers 201)
    assertThat(secondInstanceHoldsTheLease(instances)).isTrue();
    rounds()
        .walk(
            seed -> newWalk(instances, seed),
            (shared, w, seed) -> new LeasedSteps(shared, w, seed)::step,
            ConcurrentWalkTest::storeHolds);
  }

  /**
   * Whether another content declared on the second instance while the first's lease runs is refused
   * {@code 409 upload-in-flight}. Only an attempt whose two calls took less than the lease tells:
   * on a loaded machine the lease may lapse between them (the first answer's own time is not known
   * to the test), and such an attempt is made again, at most five times.
   */
  private boolean secondInstanceHoldsTheLease(List<ApiClient> instances) {
    String declaration =
        "{\"kind\": \"fx-graph\", \"key\": \"%s\", \"sha256\": \"%s\", \"sizeBytes\": 1}";
    for (int attempt = 0; attempt < 5; attempt++) {
      String key = "lease" + UUID.randomUUID().toString().replace("-", "");
      long started = System.nanoTime();
      ApiResponse first =
          instances.get(0).postJson(path("/artifacts"), declaration.formatted(key, "0".repeat(64)));
      assertThat(first.status()).as(first.text()).isEqualTo(201);
      ApiResponse other =
          instances.get(1).postJson(path("/artifacts"), declaration.formatted(key, "1".repeat(64)));
      if (System.nanoTime() - started < LEASE.toNanos()) {
        assertThat(other.status()).as(other.text()).isEqualTo(409);
        return other.json().get("type").asString().endsWith(":upload-in-flight");
      }
    }
    throw new AssertionError("no attempt's two declarations took less than the lease, " + LEASE);
  }

  /** Another instance, with this class's settings. */
  SecondInstance secondInstance() {
    return new SecondInstance(LeasedConcurrentWalkTest.class);
  }

  /** The walk's budget, from {@code walk.leased.*} (class Javadoc). */
  ConcurrentRounds rounds() {
    return new ConcurrentRounds("walk.leased", 2, 4, 12, 3);
  }

  /** The plain walk's namespaces and contents, a token of each role of the first namespace. */
  SharedWalk newWalk(List<ApiClient> instances, long seed) {
    SharedWalk shared = ConcurrentWalkTest.newWalk(instances, seed);
    shared.lease = LEASE;
    shared.reservationTtl = RESERVATION;
    // expired reservations met before a purge drops them: seeds 1, 4, ... never purge, 2, 5, ...
    // one purge step in six, 3, 6, ... each
    shared.purgeOneIn = new int[] {1, 0, 6}[(int) Math.floorMod(seed, 3L)];
    shared.expiringPercent = Integer.getInteger("walk.leased.expiring", 8);
    List<String> tokens = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (String role : List.of("admin", "write", "read")) {
      String name = "lw-" + UUID.randomUUID().toString().substring(0, 8) + "-" + role;
      ApiResponse made =
          instances
              .get(0)
              .postJson(
                  "/v1/tokens",
                  "{\"name\": \"%s\", \"namespace\": \"%s\", \"role\": \"%s\"}"
                      .formatted(name, shared.nsNames.get(0), role));
      assertThat(made.status()).as(made.text()).isEqualTo(201);
      tokens.add(made.json().get("token").asString());
      names.add(name);
    }
    int[] roles = {Caller.ADMIN, Caller.WRITE, Caller.READ};
    for (ApiClient instance : instances) {
      List<Caller> callers = new ArrayList<>();
      for (int i = 0; i < tokens.size(); i++) {
        callers.add(
            new Caller(
                names.get(i), instance.withToken(tokens.get(i)), shared.nsNames.get(0), roles[i]));
      }
      shared.callers.add(callers);
    }
    return shared;
  }

  @AfterAll
  static void stopSecond() {
    if (second != null) {
      second.close();
      second = null;
    }
  }
}
