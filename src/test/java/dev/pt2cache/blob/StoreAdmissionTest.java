package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.pt2cache.support.DockerWhenContainers;
import dev.pt2cache.support.Fixtures;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.util.unit.DataSize;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Who may ask the store, and what a request that may not is told, on the store the service builds
 * and the test run's real S3 server: a download holds one of {@code max-connections} until its
 * content is closed, and gives it back when the blob is missing; a wait cut short is answered busy,
 * with the message of the wait it was in, and keeps its interrupt; the gauges an operator watches
 * are there, at rest at zero. (ADRs 0014, 0036, 0038; the HTTP answers are pinned by
 * SlowUploadsTest and SlowDownloadsTest.)
 */
@ExtendWith(DockerWhenContainers.class)
@Tag("integration")
class StoreAdmissionTest {

  private static final Duration WAIT = Duration.ofMillis(300);
  private static final String NO_CONNECTION =
      "every connection of this instance to the object store is taken by other transfers;"
          + " retry shortly";

  private final S3Client s3 = S3StorageConfiguration.clientBuilder(properties()).build();
  private final S3BlobStore store = new S3BlobStore(StoreClients.sharing(s3), properties());
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final List<String> stored = new ArrayList<>();

  @BeforeAll
  static void bucketExists() {
    TestStorage.createBucket();
  }

  @AfterEach
  void close() {
    Thread.interrupted();
    store.deleteAll(stored);
    store.close();
    s3.close();
  }

  /** One download connection, and a short wait for it. */
  private static StorageProperties properties() {
    return TestStorage.withConnections(
        TestStorage.properties(false, null, DataSize.ofMegabytes(6)), 1, WAIT);
  }

  @Test
  void shouldAnswerADownloadBeyondItsConnectionsBusyUntilTheOneHoldingItCloses() throws Exception {
    store.bindTo(registry);
    String sha256 = stored(Fixtures.randomBytes(64 * 1024));

    try (InputStream held = store.get(sha256, null).orElseThrow().stream()) {
      assertThat(gauge("pt2cache.store.downloads.active")).isEqualTo(1);
      StorageBusyException busy =
          catchThrowableOfType(StorageBusyException.class, () -> store.get(sha256, null));
      assertThat(busy).hasMessage(NO_CONNECTION);
    }

    assertThat(gauge("pt2cache.store.downloads.active")).isZero();
    assertThat(gauge("pt2cache.store.downloads.waiting")).isZero();
    try (InputStream next = store.get(sha256, null).orElseThrow().stream()) {
      assertThat(next.readAllBytes()).hasSize(64 * 1024);
    }
  }

  @Test
  void shouldGiveTheConnectionBackWhenTheBlobIsMissing() throws Exception {
    String sha256 = stored(Fixtures.randomBytes(1024));
    String missing = Fixtures.sha256(Fixtures.randomBytes(16));

    assertThat(store.get(missing, null)).isEmpty();
    assertThat(store.get(missing, null)).isEmpty();

    Optional<BlobContent> found = store.get(sha256, null);
    assertThat(found).isPresent();
    found.get().stream().close();
  }

  /**
   * A wait for a permit that is cut short (the request's thread interrupted, as on shutdown) is
   * answered as a wait that ran out: busy, in the words of the bound it waited at.
   */
  @Test
  void shouldAnswerAWaitCutShortBusyInTheWordsOfItsBoundAndKeepTheInterrupt() {
    store.bindTo(registry);
    byte[] bytes = Fixtures.randomBytes(4096);
    BlobExpectation expected = new BlobExpectation(Fixtures.sha256(bytes), bytes.length);

    assertThat(busyWhenInterrupted(() -> store.get(expected.sha256(), null)))
        .hasMessage(NO_CONNECTION);
    assertThat(busyWhenInterrupted(() -> store.put(expected, new ByteArrayInputStream(bytes))))
        .hasMessage("too many uploads are being stored at once; retry shortly");
    assertThat(
            busyWhenInterrupted(
                () -> store.put(expected, new ByteArrayInputStream(bytes), "tenant-a")))
        .hasMessageStartingWith(
            "namespace tenant-a's uploads hold its share of this instance's upload permits (1 of 2,"
                + " PT2CACHE_S3_MAX_CONCURRENT_PUTS_PER_NAMESPACE)");

    assertThat(store.exists(expected.sha256())).isFalse();
    for (String name :
        List.of(
            "pt2cache.store.uploads.permits.used",
            "pt2cache.store.uploads.buffered",
            "pt2cache.store.uploads.waiting",
            "pt2cache.store.downloads.active")) {
      assertThat(gauge(name)).as(name).isZero();
    }
    // the namespace's place was given back: its next upload is stored
    store.put(expected, new ByteArrayInputStream(bytes), "tenant-a");
    stored.add(expected.sha256());
    assertThat(store.exists(expected.sha256())).isTrue();
  }

  @Test
  void shouldDescribeEveryAdmissionGaugeUnderItsName() {
    store.bindTo(registry);

    for (String name :
        List.of(
            "pt2cache.store.uploads.permits.used",
            "pt2cache.store.uploads.buffered",
            "pt2cache.store.uploads.waiting",
            "pt2cache.store.downloads.small",
            "pt2cache.store.downloads.active",
            "pt2cache.store.downloads.waiting")) {
      Gauge gauge = registry.get(name).gauge();
      assertThat(gauge.getId().getDescription()).as(name).isNotBlank();
      assertThat(gauge.getId().getTags()).as(name).isEmpty();
      assertThat(gauge.value()).as(name).isZero();
    }
    assertThat(registry.get("pt2cache.store.uploads.buffered").gauge().getId().getBaseUnit())
        .isEqualTo("bytes");
    assertThat(registry.get("pt2cache.store.downloads.small").gauge().getId().getBaseUnit())
        .isEqualTo("bytes");
  }

  private StorageBusyException busyWhenInterrupted(Runnable request) {
    Thread.currentThread().interrupt();
    StorageBusyException busy = catchThrowableOfType(StorageBusyException.class, request::run);
    assertThat(Thread.interrupted()).as("the interrupt, kept").isTrue();
    return busy;
  }

  private String stored(byte[] bytes) {
    String sha256 = Fixtures.sha256(bytes);
    store.put(new BlobExpectation(sha256, bytes.length), new ByteArrayInputStream(bytes));
    stored.add(sha256);
    return sha256;
  }

  private double gauge(String name) {
    return registry.get(name).gauge().value();
  }
}
