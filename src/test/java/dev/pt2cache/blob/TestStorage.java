package dev.pt2cache.blob;

import dev.pt2cache.support.TestInfra;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.util.unit.DataSize;
import software.amazon.awssdk.services.s3.S3Client;

/** The storage settings of the test run's real S3 server, for tests of the blob store itself. */
final class TestStorage {

  static final DataSize PART_SIZE = DataSize.ofMegabytes(5);
  static final int MAX_CONCURRENT_PUTS = 2;

  /** The sockets that hold {@link #closedPort()}s, for as long as this JVM runs. */
  private static final List<Socket> HELD = new CopyOnWriteArrayList<>();

  private TestStorage() {}

  static StorageProperties properties(boolean signPayload, String secret, DataSize singlePutMax) {
    URI endpoint = URI.create(TestInfra.serviceEnvironment().get("PT2CACHE_S3_ENDPOINT"));
    return properties(endpoint, signPayload, secret, singlePutMax);
  }

  /** The same settings for a server at another endpoint. */
  static StorageProperties properties(
      URI endpoint, boolean signPayload, String secret, DataSize singlePutMax) {
    Map<String, String> env = TestInfra.serviceEnvironment();
    return new StorageProperties(
        endpoint,
        "us-east-1",
        bucket(),
        env.get("PT2CACHE_S3_ACCESS_KEY"),
        secret == null ? env.get("PT2CACHE_S3_SECRET_KEY") : secret,
        true,
        true,
        PART_SIZE,
        8,
        Duration.ofSeconds(10),
        MAX_CONCURRENT_PUTS,
        singlePutMax,
        signPayload,
        Duration.ofSeconds(5),
        Duration.ofSeconds(60),
        false,
        null,
        null);
  }

  /**
   * A port of this host's loopback that no process listens on, nor can while this JVM runs: bound
   * by a socket that never listens (a connection to it is refused, as where nothing is) and does
   * not let another bind it (no {@code SO_REUSEADDR}). A port closed again after it was found free
   * could be taken meanwhile by a listener of the other test JVM, and the store "that cannot be
   * reached" would answer.
   */
  static int closedPort() {
    try {
      Socket holder = new Socket();
      holder.setReuseAddress(false);
      holder.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
      HELD.add(holder);
      return holder.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The same settings for a store at a port of this host where nothing listens: unreachable. */
  static StorageProperties atClosedPort() {
    return properties(
        URI.create("http://127.0.0.1:" + closedPort()), false, null, DataSize.ofMegabytes(6));
  }

  /**
   * The same settings for a store at a port found free, where a test starts one later ({@code
   * endpoint().getPort()}); another process may take it before then (the test then fails to start
   * its store there, saying so).
   */
  static StorageProperties atFreePort() {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return properties(URI.create("http://127.0.0.1:" + port), false, null, DataSize.ofMegabytes(6));
  }

  /** The same settings for another bucket, with another secret key where one is given. */
  static StorageProperties withBucket(StorageProperties base, String bucket, String secret) {
    return new StorageProperties(
        base.endpoint(),
        base.region(),
        bucket,
        base.accessKey(),
        secret == null ? base.secretKey() : secret,
        base.pathStyle(),
        base.createBucket(),
        base.partSize(),
        base.maxConnections(),
        base.connectionWait(),
        base.maxConcurrentPuts(),
        base.singlePutMax(),
        base.signPayload(),
        base.controlTimeout(),
        base.stallTimeout(),
        base.expectContinue(),
        base.maxConcurrentPutsPerNamespace(),
        null);
  }

  /** The same settings with other bounds on how long the store may keep a request waiting. */
  static StorageProperties withTimeouts(
      StorageProperties base, Duration controlTimeout, Duration stallTimeout) {
    return copy(
        base,
        base.maxConnections(),
        base.connectionWait(),
        controlTimeout,
        stallTimeout,
        base.expectContinue());
  }

  /** The same settings with another pool of connections for downloads, and wait for one. */
  static StorageProperties withConnections(
      StorageProperties base, int maxConnections, Duration connectionWait) {
    return copy(
        base,
        maxConnections,
        connectionWait,
        base.controlTimeout(),
        base.stallTimeout(),
        base.expectContinue());
  }

  /**
   * The same settings with {@code maxConcurrentPuts} upload permits, the namespace share its
   * default.
   */
  static StorageProperties withMaxConcurrentPuts(StorageProperties base, int maxConcurrentPuts) {
    return copy(
        base,
        base.maxConnections(),
        base.connectionWait(),
        base.controlTimeout(),
        base.stallTimeout(),
        base.expectContinue(),
        maxConcurrentPuts,
        null);
  }

  /** The same settings, sending {@code Expect: 100-continue} or not. */
  static StorageProperties withExpectContinue(StorageProperties base, boolean expectContinue) {
    return copy(
        base,
        base.maxConnections(),
        base.connectionWait(),
        base.controlTimeout(),
        base.stallTimeout(),
        expectContinue);
  }

  private static StorageProperties copy(
      StorageProperties base,
      int maxConnections,
      Duration connectionWait,
      Duration controlTimeout,
      Duration stallTimeout,
      boolean expectContinue) {
    return copy(
        base,
        maxConnections,
        connectionWait,
        controlTimeout,
        stallTimeout,
        expectContinue,
        base.maxConcurrentPuts(),
        base.maxConcurrentPutsPerNamespace());
  }

  private static StorageProperties copy(
      StorageProperties base,
      int maxConnections,
      Duration connectionWait,
      Duration controlTimeout,
      Duration stallTimeout,
      boolean expectContinue,
      int maxConcurrentPuts,
      Integer maxConcurrentPutsPerNamespace) {
    return new StorageProperties(
        base.endpoint(),
        base.region(),
        base.bucket(),
        base.accessKey(),
        base.secretKey(),
        base.pathStyle(),
        base.createBucket(),
        base.partSize(),
        maxConnections,
        connectionWait,
        maxConcurrentPuts,
        base.singlePutMax(),
        base.signPayload(),
        controlTimeout,
        stallTimeout,
        expectContinue,
        maxConcurrentPutsPerNamespace,
        null);
  }

  /** Creates the test run's bucket when a test of the store runs before any service test. */
  static void createBucket() {
    StorageProperties properties = properties(false, null, DataSize.ofMegabytes(6));
    try (S3Client s3 = S3StorageConfiguration.clientBuilder(properties).build()) {
      new S3BlobStore(StoreClients.sharing(s3), properties).createBucketIfMissing();
    }
  }

  static String bucket() {
    return TestInfra.serviceEnvironment().get("PT2CACHE_S3_BUCKET");
  }
}
