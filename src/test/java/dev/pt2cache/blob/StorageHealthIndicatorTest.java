package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Status;
import org.springframework.util.unit.DataSize;

/** The health endpoints need no token: a flood of probes must not become a flood on the store. */
class StorageHealthIndicatorTest {

  final BlobStore store = mock(BlobStore.class);
  final StorageHealthIndicator health =
      new StorageHealthIndicator(
          store,
          TestStorage.properties(
              URI.create("http://127.0.0.1:9"), false, null, DataSize.ofMegabytes(6)));

  @Test
  void shouldAskTheStoreOnceForManyProbesInASecond() {
    for (int i = 0; i < 100; i++) {
      assertThat(health.health(true).getStatus()).isEqualTo(Status.UP);
    }
    verify(store, times(1)).checkAvailable();
  }

  /**
   * Probes that come while the store takes its time (a load balancer's and the kubelet's at once)
   * wait for the check in flight: each sent its own before, and the store's check has two
   * connections of its own (docs/adr/0014, amendment), so with a slow store the third probe waited
   * a second for one and said DOWN although the store answered.
   */
  @Test
  void shouldAskTheStoreOnceForProbesThatComeWhileItAnswers() throws Exception {
    doAnswer(
            slow -> {
              Thread.sleep(1500);
              return null;
            })
        .when(store)
        .checkAvailable();
    ExecutorService probes = Executors.newFixedThreadPool(4);
    try {
      List<Future<Status>> answers = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        answers.add(probes.submit(() -> health.health(true).getStatus()));
      }
      for (Future<Status> answer : answers) {
        assertThat(answer.get(10, TimeUnit.SECONDS)).isEqualTo(Status.UP);
      }
    } finally {
      probes.shutdownNow();
    }
    verify(store, times(1)).checkAvailable();
  }

  @Test
  void shouldKeepSayingDownForThatSecondAndAskAgainAfterIt() throws InterruptedException {
    doThrow(new StorageUnavailableException("bucket pt2cache is not reachable", null))
        .doNothing()
        .when(store)
        .checkAvailable();
    assertThat(health.health(true).getStatus()).isEqualTo(Status.DOWN);
    assertThat(health.health(true).getStatus()).isEqualTo(Status.DOWN);
    verify(store, times(1)).checkAvailable();

    Thread.sleep(StorageHealthIndicator.FRESH_FOR.toMillis() + 100);

    assertThat(health.health(true).getStatus()).isEqualTo(Status.UP);
    verify(store, times(2)).checkAvailable();
  }

  /** Probes come every few seconds: an outage is logged once a minute, not once per probe. */
  @Test
  void shouldLogAnOutageOnceForManyProbes() throws InterruptedException {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    root.addAppender(logged);
    doThrow(new StorageUnavailableException("bucket pt2cache is not reachable", null))
        .when(store)
        .checkAvailable();
    try {
      for (int i = 0; i < 3; i++) {
        assertThat(health.health(true).getStatus()).isEqualTo(Status.DOWN);
        Thread.sleep(StorageHealthIndicator.FRESH_FOR.toMillis() + 50); // each probe asks afresh
      }
    } finally {
      root.detachAppender(logged);
    }
    verify(store, times(3)).checkAvailable();
    assertThat(logged.list)
        .filteredOn(e -> e.getThrowableProxy() != null)
        .as("one stack trace")
        .hasSize(1);
  }
}
