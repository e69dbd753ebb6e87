package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pt2cache.support.EmbeddedInfra;
import dev.pt2cache.support.Fixtures;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store restarted under a running instance (an upgrade, a crash): while it is gone each request
 * is the store failing, and once it is back the very next ones succeed, although every connection
 * the instance kept open in its pools was closed by the store that went away. The HTTP client finds
 * a pooled connection dead only when it uses it; the SDK's retry must cover that, or each pool
 * would fail a request per connection it held.
 */
class StoreRestartTest {

  @TempDir Path data;

  @Test
  void shouldServeTheNextRequestsOnceARestartedStoreIsBack() throws Exception {
    StorageProperties properties = TestStorage.atFreePort();
    int port = properties.endpoint().getPort();
    byte[] bytes = Fixtures.randomBytes(256 * 1024);
    String sha256 = Fixtures.sha256(bytes);
    S3Proxy store = start(port);
    try (StoreClients clients =
        new S3StorageConfiguration().storeClients(properties, new SimpleMeterRegistry())) {
      S3BlobStore blobs = new S3BlobStore(clients, properties);
      blobs.createBucketIfMissing();
      // each of the three pools keeps a connection open to the first store
      blobs.put(new BlobExpectation(sha256, bytes.length), new ByteArrayInputStream(bytes));
      assertThat(read(blobs, sha256)).isEqualTo(bytes);
      assertThat(blobs.exists(sha256)).isTrue();

      store.stop();
      assertThatThrownBy(() -> blobs.exists(sha256))
          .isInstanceOf(StorageUnavailableException.class);

      store = start(port);
      assertThat(blobs.exists(sha256)).isTrue();
      assertThat(read(blobs, sha256)).isEqualTo(bytes);
      byte[] more = Fixtures.randomBytes(128 * 1024);
      blobs.put(
          new BlobExpectation(Fixtures.sha256(more), more.length), new ByteArrayInputStream(more));
      assertThat(read(blobs, Fixtures.sha256(more))).isEqualTo(more);
    } finally {
      store.stop();
    }
  }

  private S3Proxy start(int port) throws Exception {
    Path objects = data.resolve("s3");
    Files.createDirectories(objects);
    S3Proxy store =
        S3Proxy.builder()
            .blobStore(new FilesystemNio2BlobStore(objects.toString()))
            .endpoint(URI.create("http://127.0.0.1:" + port))
            .awsAuthentication(
                AuthenticationType.AWS_V2_OR_V4,
                EmbeddedInfra.S3_IDENTITY,
                EmbeddedInfra.S3_CREDENTIAL)
            .build();
    store.start();
    while (!"STARTED".equals(store.getState())) {
      Thread.sleep(10);
    }
    return store;
  }

  private static byte[] read(S3BlobStore blobs, String sha256) throws Exception {
    try (InputStream content = blobs.get(sha256, null).orElseThrow().stream()) {
      return content.readAllBytes();
    }
  }
}
