package dev.pt2cache.walk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pt2cache.blob.SlowStoreRelay;
import dev.pt2cache.blob.SlowStoreRelay.Weather;
import dev.pt2cache.support.ApiClient;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.SecondInstance;
import dev.pt2cache.support.TaskThreads;
import dev.pt2cache.support.TestInfra;
import dev.pt2cache.walk.History.Call;
import dev.pt2cache.walk.History.Op;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The leased walk ({@link LeasedConcurrentWalkTest}) with both instances reaching the store through
 * a relay that answers as production stores do now and then ({@link SlowStoreRelay}): every request
 * 20-200 ms late, one in 10 after a pause of 1-3 s, longer than the 1 s lease, so that a lease
 * lapses while its holder still writes its bytes and other content takes the key over; and, with
 * {@code -Dwalk.slow.weather=flaky} (the default), one request in 50 cut (before the store sees it,
 * or after it did it and before its answer) and one in 50 answered {@code 503 SlowDown}. {@code
 * slow} keeps only the lateness. The store is calm while the instances start and while each round's
 * checks read what the workers left, so that the invariants are judged on the store itself.
 *
 * <p>A small budget by default; {@code -Dwalk.slow.seeds=N -Dwalk.slow.rounds=R -Dwalk.slow.steps=M
 * -Dwalk.slow.workers=W} (and {@code -Dwalk.slow.seed=S}, {@code -Dwalk.slow.keepGoing=true}) walks
 * longer; {@code -Dwalk.slow.pause=P}, {@code .cut=P} and {@code .slowDown=P} set the weather's
 * percentages, {@code .pauseMaxMs} the longest pause (past the 5 s control timeout, a delete the
 * service gave up on lands late).
 */
class SlowStoreWalkTest extends LeasedConcurrentWalkTest {

  /** The tasks the tests run beside their own: in flight together (TaskThreads). */
  @RegisterExtension final TaskThreads threads = new TaskThreads();

  private static SlowStoreRelay relay;

  private static final List<SharedWalk> WALKS = new CopyOnWriteArrayList<>();

  @DynamicPropertySource
  static void throughTheRelay(DynamicPropertyRegistry registry) {
    registry.add("pt2cache.storage.endpoint", () -> relay().endpoint().toString());
  }

  /**
   * A store slower than the lease: the holder's bytes are still being written when its lease runs
   * out, so other content is reserved under the key (ADR 0019) and written too. Both objects reach
   * the store before either commits; one artifact is made ready, the other upload is refused {@code
   * key-conflict} with its object recorded, and a purge then collects the loser's object and never
   * the winner's.
   */
  @Test
  void shouldKeepOneReadyArtifactAndItsObjectWhenALeaseRunsOutWhileItsHolderWrites()
      throws Exception {
    byte[] first = Fixtures.randomBytes(1024);
    byte[] other = Fixtures.randomBytes(1536);
    String key = "slowlease" + UUID.randomUUID().toString().replace("-", "");
    ApiResponse holder = declareEntry(key, first);
    assertThat(holder.status()).as(holder.text()).isEqualTo(201);
    relay().hold();
    CompletableFuture<ApiResponse> holderSent;
    CompletableFuture<ApiResponse> takerSent;
    try {
      long puts = relay().puts();
      holderSent = sendAsync(holder, first);
      await().atMost(Duration.ofSeconds(20)).until(() -> relay().puts() > puts);
      // the holder's bytes are at the store; its lease runs out meanwhile
      ApiResponse taker =
          await()
              .atMost(Duration.ofSeconds(20))
              .pollInterval(Duration.ofMillis(100))
              .until(() -> declareEntry(key, other), r -> r.status() != 409);
      assertThat(taker.status()).as(taker.text()).isEqualTo(201);
      takerSent = sendAsync(taker, other);
      await().atMost(Duration.ofSeconds(20)).until(() -> relay().puts() > puts + 1);
    } finally {
      relay().release();
    }
    ApiResponse holderAnswer = holderSent.get(30, TimeUnit.SECONDS);
    ApiResponse takerAnswer = takerSent.get(30, TimeUnit.SECONDS);
    List<ApiResponse> answers = List.of(holderAnswer, takerAnswer);
    assertThat(answers.stream().map(ApiResponse::status))
        .as("%s / %s", holderAnswer.text(), takerAnswer.text())
        .containsExactlyInAnyOrder(200, 409);
    byte[] won = holderAnswer.status() == 200 ? first : other;
    byte[] lost = won == first ? other : first;
    assertProblem(answers.get(won == first ? 1 : 0), 409, "key-conflict");
    assertThat(readyArtifacts(ns, "fx-graph", key)).isEqualTo(1);
    assertThat(ConcurrentWalkTest.storeHolds(Fixtures.sha256(won))).isTrue();
    assertThat(ConcurrentWalkTest.storeHolds(Fixtures.sha256(lost))).as("the loser's").isTrue();
    assertThat(
            jdbc.sql("select count(*) from blob where sha256 = ?")
                .param(Fixtures.sha256(lost))
                .query(Long.class)
                .single())
        .as("the loser's bytes recorded")
        .isEqualTo(1);

    runJob("purge");
    runJob("reconcile");
    assertThat(ConcurrentWalkTest.storeHolds(Fixtures.sha256(won))).isTrue();
    ApiResponse served = api.get(path("/entries/fx-graph/" + key));
    assertThat(served.status()).as(served.text()).isEqualTo(200);
    assertThat(served.body()).isEqualTo(won);
    ApiResponse usage = api.get(path(""));
    assertThat(usage.json().get("artifactCount").asInt()).isEqualTo(1);
    assertThat(usage.json().get("storedBytes").asLong()).isEqualTo(won.length);
  }

  private ApiResponse declareEntry(String key, byte[] content) {
    return api.postJson(
        path("/artifacts"),
        "{\"kind\": \"fx-graph\", \"key\": \"%s\", \"sha256\": \"%s\", \"sizeBytes\": %d}"
            .formatted(key, Fixtures.sha256(content), content.length));
  }

  private CompletableFuture<ApiResponse> sendAsync(ApiResponse reservation, byte[] content) {
    String url = reservation.json().get("uploadUrl").asString();
    return CompletableFuture.supplyAsync(() -> api.putBytes(url, content), threads);
  }

  @Override
  SecondInstance secondInstance() {
    return new SecondInstance(LeasedConcurrentWalkTest.class, throughTheRelay());
  }

  /** What a second instance is given to reach the store through the relay. */
  static Map<String, String> throughTheRelay() {
    return Map.of("pt2cache.storage.endpoint", relay().endpoint().toString());
  }

  @Override
  SharedWalk newWalk(List<ApiClient> instances, long seed) {
    return underTheWeather(super.newWalk(instances, seed));
  }

  /** A walk whose model knows whether the store may fail, and whose answers the tally counts. */
  static SharedWalk underTheWeather(SharedWalk shared) {
    Weather weather = weather();
    shared.storeMayFail = weather.cutPercent() + weather.slowDownPercent() > 0;
    WALKS.add(shared);
    return shared;
  }

  @Override
  ConcurrentRounds rounds() {
    return underTheWeather(new ConcurrentRounds("walk.slow", 2, 3, 10, 3));
  }

  /** Rounds whose steps meet the weather and whose checks a calm store. */
  static ConcurrentRounds underTheWeather(ConcurrentRounds rounds) {
    Weather weather = weather();
    return rounds.around(() -> relay().weather(weather), () -> relay().weather(Weather.CALM));
  }

  /** The weather {@code -Dwalk.slow.*} asks for (class Javadoc). */
  private static Weather weather() {
    Weather preset =
        "slow".equals(System.getProperty("walk.slow.weather", "flaky"))
            ? Weather.slow()
            : Weather.flaky();
    return new Weather(
        preset.latencyMs(),
        Integer.getInteger("walk.slow.pause", preset.pausePercent()),
        new int[] {
          preset.pauseMs()[0], Integer.getInteger("walk.slow.pauseMaxMs", preset.pauseMs()[1])
        },
        Integer.getInteger("walk.slow.cut", preset.cutPercent()),
        Integer.getInteger("walk.slow.slowDown", preset.slowDownPercent()));
  }

  private static synchronized SlowStoreRelay relay() {
    if (relay == null) {
      try {
        relay =
            new SlowStoreRelay(
                URI.create(TestInfra.serviceEnvironment().get("PT2CACHE_S3_ENDPOINT")));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return relay;
  }

  @AfterAll
  static void tally() {
    if (relay != null) {
      relay.weather(Weather.CALM);
      System.out.println("the store's relay: " + relay.tally());
    }
    long raced = WALKS.stream().mapToLong(w -> racedWrites(w.history.all())).sum();
    System.out.println(
        "bytes of other contents sent to one key at once, one made ready and the other refused"
            + " key-conflict: "
            + raced);
    WALKS.clear();
  }

  /**
   * Pairs of content PUTs of other contents under one key that overlapped, one answered ready and
   * the other {@code 409 key-conflict}: the uploads a lease is for, both in flight at once, which a
   * store slower than the lease lets happen (ADR 0019).
   */
  private static long racedWrites(List<Call> calls) {
    List<Call> sends = calls.stream().filter(c -> c.op == Op.SEND).toList();
    return sends.stream()
        .filter(a -> a.status == 200)
        .mapToLong(
            a ->
                sends.stream()
                    .filter(b -> "key-conflict".equals(b.type) && !b.sha.equals(a.sha))
                    .filter(b -> b.ns.equals(a.ns) && b.kind.equals(a.kind) && b.key.equals(a.key))
                    .filter(b -> b.start < a.end && a.start < b.end)
                    .count())
        .sum();
  }
}
