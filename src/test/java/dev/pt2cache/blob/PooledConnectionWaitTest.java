package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.pt2cache.support.DockerWhenContainers;
import dev.pt2cache.support.Fixtures;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.util.unit.DataSize;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * A store request that never got a connection, because every connection of its client's pool stayed
 * taken past the wait, is this instance at its bound ({@code storage-busy}, retry soon), not the
 * store failing ({@code store-unavailable}, an alert). What the HTTP client raises then is its own
 * type, so this is shown with the real client the service builds and the test run's real store.
 */
@ExtendWith(DockerWhenContainers.class)
@Tag("integration")
class PooledConnectionWaitTest {

  private static final Duration WAIT = Duration.ofMillis(300);

  @BeforeAll
  static void bucketExists() {
    TestStorage.createBucket();
  }

  @Test
  void shouldCallARequestThatWaitedForAPooledConnectionBusy() throws IOException {
    StorageProperties onePooled =
        TestStorage.withConnections(
            TestStorage.properties(false, null, DataSize.ofMegabytes(6)), 1, WAIT);
    byte[] bytes = Fixtures.randomBytes(64 * 1024);
    String key = BlobStore.objectKey(Fixtures.sha256(bytes));
    try (S3Client s3 = S3StorageConfiguration.clientBuilder(onePooled).build()) {
      s3.putObject(b -> b.bucket(onePooled.bucket()).key(key), RequestBody.fromBytes(bytes));
      SdkClientException waited;
      // an unread download holds the pool's one connection until it is closed
      try (ResponseInputStream<GetObjectResponse> held =
          s3.getObject(b -> b.bucket(onePooled.bucket()).key(key))) {
        waited =
            catchThrowableOfType(
                SdkClientException.class,
                () -> s3.headObject(b -> b.bucket(onePooled.bucket()).key(key)));
      }

      assertThat(StoreFailures.of("reading blob x", waited))
          .isInstanceOf(StorageBusyException.class)
          .hasCause(waited);
      // the store itself was fine all along
      s3.deleteObject(b -> b.bucket(onePooled.bucket()).key(key));
    }
  }
}
