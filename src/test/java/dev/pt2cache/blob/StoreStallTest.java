package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.pt2cache.support.DockerWhenContainers;
import dev.pt2cache.support.GeneratedContent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.util.unit.DataSize;

/**
 * A store that stops taking an upload's bytes half-way (its disk full, its process stopped) while
 * keeping the connection open: the upload is ended after {@code stall-timeout} and answered as the
 * store failing, whichever way it goes to the store, instead of holding its thread, its upload
 * permit and its client for good. A client that is slow to send is not the store stalling.
 */
@ExtendWith(DockerWhenContainers.class)
@Tag("integration")
class StoreStallTest {

  private static final Duration STALL_TIMEOUT = Duration.ofSeconds(2);
  private static final long STALL_AFTER = 64 * 1024;

  /** The three ways a blob goes to the store (S3BlobWriter), each with a size that takes it. */
  enum Way {
    READ_FIRST(TestStorage.PART_SIZE.toBytes(), DataSize.ofMegabytes(64)),
    STREAMED(40L << 20, DataSize.ofMegabytes(64)),
    MULTIPART(12L << 20, DataSize.ofBytes(0));

    final long size;
    final DataSize singlePutMax;

    Way(long size, DataSize singlePutMax) {
      this.size = size;
      this.singlePutMax = singlePutMax;
    }
  }

  @BeforeAll
  static void bucketExists() {
    TestStorage.createBucket();
  }

  @ParameterizedTest
  @EnumSource(Way.class)
  void shouldEndAnUploadTheStoreStopsTakingAndStoreItOnceTheStoreIsBack(Way way) throws Exception {
    long seed = System.nanoTime();
    BlobExpectation expected =
        new BlobExpectation(GeneratedContent.sha256(seed, way.size), way.size);
    throughRelay(
        way,
        (relay, store) -> {
          assertTimeoutPreemptively(
              Duration.ofSeconds(40),
              () ->
                  assertThatThrownBy(
                          () -> store.put(expected, new GeneratedContent(seed, way.size)))
                      .isInstanceOf(StorageUnavailableException.class)
                      .hasStackTraceContaining(
                          "the store took no more of the request's bytes for PT2S"));

          relay.recover();
          store.put(expected, new GeneratedContent(seed, way.size));
          assertThat(store.exists(expected.sha256())).isTrue();
          store.delete(expected.sha256());
        });
  }

  @Test
  void shouldNotEndAnUploadWhoseClientPausesLongerThanTheTimeout() throws Exception {
    Way way = Way.STREAMED;
    long seed = System.nanoTime();
    BlobExpectation expected =
        new BlobExpectation(GeneratedContent.sha256(seed, way.size), way.size);
    throughRelay(
        way,
        (relay, store) -> {
          relay.recover();

          store.put(
              expected,
              pausing(
                  new GeneratedContent(seed, way.size), 1 << 20, STALL_TIMEOUT.multipliedBy(2)));

          assertThat(store.exists(expected.sha256())).isTrue();
          store.delete(expected.sha256());
        });
  }

  @FunctionalInterface
  private interface RelayedStore {
    void use(StallingRelay relay, S3BlobStore store) throws Exception;
  }

  /** A store as the service builds it, reaching the real store through a stalling relay. */
  private static void throughRelay(Way way, RelayedStore test) throws Exception {
    try (StallingRelay relay = new StallingRelay(storeEndpoint(), STALL_AFTER);
        StoreClients clients =
            new S3StorageConfiguration()
                .storeClients(through(relay, way), new SimpleMeterRegistry());
        S3BlobStore store = new S3BlobStore(clients, through(relay, way))) {
      test.use(relay, store);
    }
  }

  private static URI storeEndpoint() {
    return TestStorage.properties(false, null, DataSize.ofMegabytes(6)).endpoint();
  }

  private static StorageProperties through(StallingRelay relay, Way way) {
    StorageProperties base =
        TestStorage.properties(relay.endpoint(), false, null, way.singlePutMax);
    return TestStorage.withTimeouts(base, base.controlTimeout(), STALL_TIMEOUT);
  }

  /** A client that stops sending for {@code pause} once it has sent {@code after} bytes. */
  private static InputStream pausing(InputStream in, long after, Duration pause) {
    return new FilterInputStream(in) {
      private long passed;
      private boolean paused;

      @Override
      public int read(byte[] buffer, int offset, int length) throws IOException {
        if (!paused && passed >= after) {
          paused = true;
          try {
            Thread.sleep(pause.toMillis());
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
          }
        }
        int n = super.read(buffer, offset, length);
        passed += Math.max(n, 0);
        return n;
      }
    };
  }
}
