package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A listing is read page by page while it is consumed (reconciliation walks the whole bucket), so a
 * store that fails then must still be reported as the store failing, as every other request is.
 */
class StoreListingTest {

  @Test
  void shouldReportAStoreThatCannotBeReachedWhileTheListingIsRead() throws IOException {
    StorageProperties properties = unreachable();
    try (S3Client s3 = S3StorageConfiguration.clientBuilder(properties).build()) {
      S3BlobStore store = new S3BlobStore(StoreClients.sharing(s3), properties);

      assertThatThrownBy(() -> store.list().findFirst())
          .isInstanceOf(StorageUnavailableException.class)
          .hasMessageContaining("listing bucket " + properties.bucket());
    }
  }

  /** The test run's S3 settings with an endpoint where nothing listens. */
  private static StorageProperties unreachable() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    return TestStorage.properties(
        URI.create("http://127.0.0.1:" + closedPort), false, null, DataSize.ofMegabytes(6));
  }
}
