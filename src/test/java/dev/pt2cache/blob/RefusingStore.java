package dev.pt2cache.blob;

import org.springframework.util.unit.DataSize;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The test run's real store, asked with a wrong secret: it refuses every request with {@code 403},
 * as a store refuses the operations that the service's credentials are not allowed to make. For
 * tests outside this package of what the service does when the store refuses.
 */
public final class RefusingStore implements AutoCloseable {

  private final S3Client s3;
  private final S3BlobStore store;

  public RefusingStore() {
    StorageProperties properties =
        TestStorage.properties(false, "not-the-secret", DataSize.ofMegabytes(6));
    this.s3 = S3StorageConfiguration.clientBuilder(properties).build();
    this.store = new S3BlobStore(StoreClients.sharing(s3), properties);
  }

  public BlobStore store() {
    return store;
  }

  @Override
  public void close() {
    try {
      store.close();
    } finally {
      s3.close();
    }
  }
}
