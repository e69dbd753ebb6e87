package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pt2cache.support.DockerWhenContainers;
import dev.pt2cache.support.Fixtures;
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
    byte[] bytes = Fixtures.randomBytes(64 * 1024);
    String sha256 = Fixtures.sha256(bytes);
    String key = BlobStore.objectKey(sha256);
    List<InputStream> held = new ArrayList<>();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (StoreClients clients = new S3StorageConfiguration().storeClients(SERVER, registry)) {
      S3BlobStore store = new S3BlobStore(clients, SERVER);
      clients
          .control()
          .putObject(b -> b.bucket(SERVER.bucket()).key(key), RequestBody.fromBytes(bytes));
      try {
        for (int i = 0; i < StorageProperties.CONTROL_CONNECTIONS; i++) {
          held.add(clients.control().getObject(b -> b.bucket(SERVER.bucket()).key(key)));
        }
        StorageHealthIndicator health = new StorageHealthIndicator(store, SERVER);

        long start = System.nanoTime();
        Health answer = health.health(true);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(answer.getStatus()).as("%s", answer.getDetails()).isEqualTo(Status.UP);
        assertThat(answer.getDetails()).containsEntry("bucket", SERVER.bucket());
        assertThat(took).isLessThan(PROBE_ANSWER);
        // the pool really is full: a commit's existence check fails. Unavailable, not busy, with
        // the service's settings: control-timeout (5 s) ends the call before connection-wait
        // (10 s) ends its wait for a connection (docs/adr/0014, amendment: left)
        assertThatThrownBy(() -> store.exists(sha256))
            .isInstanceOf(StorageUnavailableException.class)
            .hasMessage("checking blob " + sha256 + " failed");
        // where an operator sees the full pool now that readiness does not say it
        assertThat(calls(registry, "control", "HeadObject", "failure")).isEqualTo(1);
        assertThat(calls(registry, "health", "HeadBucket", "success")).isEqualTo(1);
      } finally {
        for (InputStream stream : held) {
          stream.close();
        }
        clients.control().deleteObject(b -> b.bucket(SERVER.bucket()).key(key));
      }
    }
  }

  @Test
  void shouldSayDownWithinTwoSecondsWhereNothingAnswers() {
    StorageProperties stopped = TestStorage.atFreePort();

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
