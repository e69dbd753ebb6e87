package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.pt2cache.support.DockerWhenContainers;
import dev.pt2cache.support.Fixtures;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
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
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;

/**
 * A small download waits for one of the small reads' connections {@code connection-wait} less the
 * control pool's wait that may follow it (half the control timeout at most), but at least half of
 * {@code connection-wait}: within {@code connection-wait} in all by default, one and a half times
 * it at most, instead of each waiting its own bound; and a burst beyond the 8 connections waits for
 * one instead of being refused at once.
 */
@ExtendWith(DockerWhenContainers.class)
@Tag("integration")
class SmallReadWaitTest {

  private static final Duration CONNECTION_WAIT = Duration.ofSeconds(3);
  private static final Duration CONTROL_TIMEOUT = Duration.ofSeconds(4);
  private static final Duration STORE_ANSWERS_IN = Duration.ofMillis(300);
  private static final int BURST = 2 * SmallReads.CONNECTIONS;

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
      // every one of them holding its connection, however long a loaded machine takes to start
      // them: a probe sent before would take a connection, not wait for one
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> relay.connections() >= SmallReads.CONNECTIONS);

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
      // its wait and the pool's after it within one and a half times connection-wait (here it
      // waits half of it, 1.5 s, for the pool's 2 s may follow), not connection-wait and the
      // pool's wait again (3 s and 2 s)
      assertThat(waited.plus(poolWait)).isLessThan(CONNECTION_WAIT.multipliedBy(3).dividedBy(2));
      // and a wait for a connection worth the name: half of connection-wait (1 s was left)
      assertThat(waited).isGreaterThan(CONNECTION_WAIT.dividedBy(2).minusMillis(100));
      for (CompletableFuture<Throwable> held : holding) {
        assertThat(held.get(30, TimeUnit.SECONDS)).isInstanceOf(StorageUnavailableException.class);
      }
    } finally {
      readers.shutdownNow();
    }
  }

  /**
   * A burst of more small downloads than the small reads have connections, on a store that answers
   * each in a few hundred milliseconds and a control pool with room for all of them: the ones
   * beyond the 8 wait for a connection and are served. With {@code connection-wait} at or below
   * half the control timeout, the wait for a connection was none at all (connection-wait less the
   * pool's wait), and every download beyond the 8 was answered {@code 503 storage-busy} at once.
   */
  @Test
  void shouldServeABurstOfSmallReadsBeyondTheirConnectionsWithinConnectionWait() throws Exception {
    StorageProperties properties =
        TestStorage.withConnections(
            TestStorage.properties(false, null, DataSize.ofMegabytes(6)),
            64,
            Duration.ofSeconds(2));
    // the store takes a while to answer each download, so that the burst's reads overlap
    ExecutionInterceptor slowGets =
        new ExecutionInterceptor() {
          @Override
          public void beforeTransmission(
              Context.BeforeTransmission context, ExecutionAttributes attributes) {
            if (context.request() instanceof GetObjectRequest) {
              try {
                Thread.sleep(STORE_ANSWERS_IN.toMillis());
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
          }
        };
    TestStorage.createBucket();
    byte[] entry = Fixtures.randomBytes(4096);
    String sha256 = Fixtures.sha256(entry);
    BlobExpectation small = new BlobExpectation(sha256, entry.length);
    ExecutorService readers = Executors.newCachedThreadPool();
    try (S3Client s3 =
            S3StorageConfiguration.clientBuilder(properties)
                .overrideConfiguration(c -> c.addExecutionInterceptor(slowGets))
                .build();
        S3BlobStore store = new S3BlobStore(StoreClients.sharing(s3), properties)) {
      store.put(small, new ByteArrayInputStream(entry));
      List<CompletableFuture<Throwable>> burst = new ArrayList<>();
      for (int i = 0; i < BURST; i++) {
        burst.add(
            CompletableFuture.supplyAsync(
                () ->
                    catchThrowable(
                        () -> {
                          try (InputStream in = store.get(small, null).orElseThrow().stream()) {
                            assertThat(in.readAllBytes()).isEqualTo(entry);
                          }
                        }),
                readers));
      }
      long busy = 0;
      long served = 0;
      for (CompletableFuture<Throwable> read : burst) {
        Throwable failure = read.get(30, TimeUnit.SECONDS);
        if (failure instanceof StorageBusyException) {
          busy++;
        } else if (failure == null) {
          served++;
        } else {
          throw new AssertionError(failure);
        }
      }
      System.out.printf(
          "%d small reads at once, store answering in %d ms, connection-wait %d ms, pool wait %d"
              + " ms: %d served, %d storage-busy%n",
          BURST,
          STORE_ANSWERS_IN.toMillis(),
          properties.connectionWait().toMillis(),
          properties.controlConnectionWait().toMillis(),
          served,
          busy);
      store.delete(sha256);
      assertThat(busy).isZero();
      assertThat(served).isEqualTo(BURST);
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
