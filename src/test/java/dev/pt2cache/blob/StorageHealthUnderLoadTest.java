package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pt2cache.support.DockerWhenContainers;
import dev.pt2cache.support.Fixtures;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.util.unit.DataSize;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Readiness says whether the store answers, not whether this instance has a control connection free
 * (docs/adr/0014, amendment). A slow store, or many commits at once, hold every connection of the
 * control pool on every instance at the same moment: a check that waited there said the bucket was
 * not reachable after {@code connection-wait}, and every instance left the load balancer at once.
 * Against the test run's real S3 server, with the clients as the service builds them.
 */
@ExtendWith(DockerWhenContainers.class)
@Tag("integration")
class StorageHealthUnderLoadTest {

  private static final StorageProperties SERVER =
      TestStorage.properties(false, null, DataSize.ofMegabytes(6));

  /** A probe's answer, as Kubernetes waits for it at most a second by default. */
  private static final Duration PROBE_ANSWER = Duration.ofSeconds(2);

  @BeforeAll
  static void bucketExists() {
    TestStorage.createBucket();
  }

  /** Every control connection held (here by unread reads of an object), as busy commits do. */
  @Test
  void shouldSayUpWithinTwoSecondsWhileEveryControlConnectionIsHeld() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    withControlPoolFull(
        SERVER,
        registry,
        (store, sha256) -> {
          StorageHealthIndicator health = new StorageHealthIndicator(store, SERVER);

          long start = System.nanoTime();
          Health answer = health.health(true);
          Duration took = Duration.ofNanos(System.nanoTime() - start);

          assertThat(answer.getStatus()).as("%s", answer.getDetails()).isEqualTo(Status.UP);
          assertThat(answer.getDetails()).containsEntry("bucket", SERVER.bucket());
          assertThat(took).isLessThan(PROBE_ANSWER);
          // the pool really is full: a commit's existence check is answered busy (below)
          assertBusyWithin(store, sha256, SERVER.controlTimeout());
          // where an operator sees the full pool now that readiness does not say it: busy, not
          // a failure or an I/O error of the store
          assertThat(calls(registry, "control", "HeadObject", "busy")).isEqualTo(1);
          assertThat(registry.find("pt2cache.store.calls").tag("outcome", "failure").timers())
              .isEmpty();
          assertThat(errors(registry, "control", "HeadObject")).isZero();
          assertThat(calls(registry, "health", "HeadBucket", "success")).isEqualTo(1);
        });
  }

  /**
   * A wait for a connection far longer than the call may take: the call's bound used to end the
   * wait, and the commit read {@code storage-unavailable}, the store blamed (docs/adr/0014).
   */
  @Test
  void shouldAnswerBusyWhereTheConnectionWaitIsFarAboveTheControlTimeout() throws Exception {
    StorageProperties waitsLong =
        TestStorage.withTimeouts(
            TestStorage.withConnections(SERVER, SERVER.maxConnections(), Duration.ofSeconds(60)),
            Duration.ofSeconds(1),
            SERVER.stallTimeout());

    withControlPoolFull(
        waitsLong,
        new SimpleMeterRegistry(),
        (store, sha256) -> assertBusyWithin(store, sha256, waitsLong.controlTimeout()));
  }

  /**
   * A wait for a connection well under the call's bound: one wait, not one per attempt of the SDK's
   * retries (which took four of them, and the busy answer came after about four waits).
   */
  @Test
  void shouldAnswerBusyAfterOneConnectionWaitWhereItIsShort() throws Exception {
    StorageProperties waitsShort =
        TestStorage.withConnections(SERVER, SERVER.maxConnections(), Duration.ofMillis(800));

    withControlPoolFull(
        waitsShort,
        new SimpleMeterRegistry(),
        (store, sha256) ->
            assertBusyWithin(
                store, sha256, waitsShort.connectionWait().plus(Duration.ofMillis(700))));
  }

  /** A commit's existence check that found no control connection: busy, within {@code bound}. */
  private static void assertBusyWithin(S3BlobStore store, String sha256, Duration bound) {
    long start = System.nanoTime();
    assertThatThrownBy(() -> store.exists(sha256))
        .isInstanceOf(StorageBusyException.class)
        .hasMessageContaining("every connection of this instance to the object store is taken");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(bound);
  }

  private interface WhileFull {
    void check(S3BlobStore store, String sha256) throws Exception;
  }

  /** Runs {@code check} with every control connection held by an unread read of an object. */
  private static void withControlPoolFull(
      StorageProperties properties, SimpleMeterRegistry registry, WhileFull check)
      throws Exception {
    byte[] bytes = Fixtures.randomBytes(64 * 1024);
    String sha256 = Fixtures.sha256(bytes);
    String key = BlobStore.objectKey(sha256);
    List<InputStream> held = new ArrayList<>();
    try (StoreClients clients = new S3StorageConfiguration().storeClients(properties, registry)) {
      S3BlobStore store = new S3BlobStore(clients, properties);
      clients
          .control()
          .putObject(b -> b.bucket(properties.bucket()).key(key), RequestBody.fromBytes(bytes));
      try {
        for (int i = 0; i < StorageProperties.CONTROL_CONNECTIONS; i++) {
          held.add(clients.control().getObject(b -> b.bucket(properties.bucket()).key(key)));
        }
        check.check(store, sha256);
      } finally {
        for (InputStream stream : held) {
          stream.close();
        }
        clients.control().deleteObject(b -> b.bucket(properties.bucket()).key(key));
      }
    }
  }

  /**
   * A store that refuses connections fails at the same place as a full pool (the SDK's I/O error,
   * no answer) but is the store's failure, not this instance at its bound.
   */
  @Test
  void shouldCountAStoreThatRefusesConnectionsAsAFailureNotBusy() {
    StorageProperties stopped = TestStorage.atClosedPort();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (StoreClients clients = new S3StorageConfiguration().storeClients(stopped, registry)) {
      assertThatThrownBy(
              () -> new S3BlobStore(clients, stopped).exists(Fixtures.sha256(new byte[1])))
          .isInstanceOf(StorageUnavailableException.class);
    }

    assertThat(calls(registry, "control", "HeadObject", "failure")).isEqualTo(1);
    assertThat(registry.find("pt2cache.store.calls").tag("outcome", "busy").timers()).isEmpty();
    // each attempt of the SDK's default retry mode (standard since SDK 2.59: 3) counted
    assertThat(errors(registry, "control", "HeadObject")).isEqualTo(3);
  }

  @Test
  void shouldSayDownWithinTwoSecondsWhereNothingAnswers() {
    StorageProperties stopped = TestStorage.atClosedPort();

    assertDown(stopped, "bucket " + stopped.bucket() + " is not reachable");
  }

  @Test
  void shouldSayDownWhereTheStoreRefusesTheCredentials() {
    assertDown(
        TestStorage.withBucket(SERVER, SERVER.bucket(), "not-the-secret"),
        "the store refused the service's credentials for bucket " + SERVER.bucket() + " (403)");
  }

  private static long calls(
      SimpleMeterRegistry registry, String client, String operation, String outcome) {
    return registry
        .get("pt2cache.store.calls")
        .tags("client", client, "operation", operation, "outcome", outcome)
        .timer()
        .count();
  }

  private static double errors(SimpleMeterRegistry registry, String client, String operation) {
    return registry
        .find("pt2cache.store.errors")
        .tags("client", client, "operation", operation)
        .counters()
        .stream()
        .mapToDouble(Counter::count)
        .sum();
  }

  private static void assertDown(StorageProperties properties, String words) {
    try (StoreClients clients =
        new S3StorageConfiguration().storeClients(properties, new SimpleMeterRegistry())) {
      StorageHealthIndicator health =
          new StorageHealthIndicator(new S3BlobStore(clients, properties), properties);

      long start = System.nanoTime();
      Health answer = health.health(true);
      Duration took = Duration.ofNanos(System.nanoTime() - start);

      assertThat(answer.getStatus()).isEqualTo(Status.DOWN);
      assertThat((String) answer.getDetails().get("error")).endsWith(": " + words);
      assertThat(took).isLessThan(PROBE_ANSWER);
    }
  }
}
