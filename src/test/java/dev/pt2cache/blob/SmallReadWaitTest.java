package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.pt2cache.support.DockerWhenContainers;
import dev.pt2cache.support.Fixtures;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.util.unit.DataSize;

/**
 * A small download waits {@code connection-wait} at most in all, as docs/configuration.md promises
 * of a download: its wait for one of the small reads' connections leaves room for the control
 * pool's wait after it (half the control timeout at most), instead of each waiting its own bound.
 */
@ExtendWith(DockerWhenContainers.class)
@Tag("integration")
class SmallReadWaitTest {

  private static final Duration CONNECTION_WAIT = Duration.ofSeconds(3);
  private static final Duration CONTROL_TIMEOUT = Duration.ofSeconds(4);

  @Test
  void shouldAnswerASmallReadBeyondItsConnectionsBusyWithinConnectionWaitLessThePoolWait()
      throws Exception {
    ExecutorService readers = Executors.newCachedThreadPool();
    // a store that takes requests and never answers: each small read holds its connection until
    // the control timeout ends it
    try (StallingRelay relay = new StallingRelay(storeEndpoint(), 0);
        StoreClients clients =
            new S3StorageConfiguration().storeClients(through(relay), new SimpleMeterRegistry());
        S3BlobStore store = new S3BlobStore(clients, through(relay))) {
      String sha256 = Fixtures.sha256(Fixtures.randomBytes(16));
      BlobExpectation small = new BlobExpectation(sha256, 4096);
      List<CompletableFuture<Throwable>> holding = new ArrayList<>();
      for (int i = 0; i < SmallReads.CONNECTIONS; i++) {
        holding.add(
            CompletableFuture.supplyAsync(
                () -> catchThrowable(() -> store.get(small, null)), readers));
      }
      Thread.sleep(500);

      long start = System.nanoTime();
      Throwable answer = catchThrowable(() -> store.get(small, null));
      Duration waited = Duration.ofNanos(System.nanoTime() - start);

      Duration poolWait = through(relay).controlConnectionWait();
      System.out.printf(
          "small read beyond %d stalled ones: %s after %d ms (connection-wait %d ms, pool wait %d"
              + " ms)%n",
          SmallReads.CONNECTIONS,
          answer == null ? "answered" : answer.getClass().getSimpleName(),
          waited.toMillis(),
          CONNECTION_WAIT.toMillis(),
          poolWait.toMillis());
      assertThat(answer).isInstanceOf(StorageBusyException.class);
      // what is left of connection-wait once the pool's wait is kept for, with slack for the
      // machine
      assertThat(waited).isLessThan(CONNECTION_WAIT.minus(poolWait).plus(Duration.ofMillis(700)));
      for (CompletableFuture<Throwable> held : holding) {
        assertThat(held.get(30, TimeUnit.SECONDS)).isInstanceOf(StorageUnavailableException.class);
      }
    } finally {
      readers.shutdownNow();
    }
  }

  private static StorageProperties through(StallingRelay relay) {
    StorageProperties base =
        TestStorage.properties(relay.endpoint(), false, null, DataSize.ofMegabytes(6));
    return TestStorage.withConnections(
        TestStorage.withTimeouts(base, CONTROL_TIMEOUT, base.stallTimeout()),
        base.maxConnections(),
        CONNECTION_WAIT);
  }

  private static java.net.URI storeEndpoint() {
    return TestStorage.properties(false, null, DataSize.ofMegabytes(6)).endpoint();
  }
}
