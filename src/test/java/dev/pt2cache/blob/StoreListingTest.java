package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A listing is read page by page while it is consumed (reconciliation walks the whole bucket), so a
 * store that fails then must still be reported as the store failing, as every other request is.
 */
class StoreListingTest {

  @Test
  void shouldReportAStoreThatCannotBeReachedWhileTheListingIsRead() {
    StorageProperties properties = TestStorage.atClosedPort();
    try (S3Client s3 = S3StorageConfiguration.clientBuilder(properties).build()) {
      S3BlobStore store = new S3BlobStore(StoreClients.sharing(s3), properties);

      assertThatThrownBy(() -> store.list().findFirst())
          .isInstanceOf(StorageUnavailableException.class)
          .hasMessageContaining("listing bucket " + properties.bucket());
    }
  }
}
