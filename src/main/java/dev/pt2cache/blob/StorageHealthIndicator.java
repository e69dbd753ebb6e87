package dev.pt2cache.blob;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.stereotype.Component;

/** Actuator health: is the bucket reachable with the configured credentials? */
@Component("storage")
class StorageHealthIndicator extends AbstractHealthIndicator {

  private final BlobStore store;
  private final StorageProperties properties;

  StorageHealthIndicator(BlobStore store, StorageProperties properties) {
    super("object store is not reachable");
    this.store = store;
    this.properties = properties;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    store.checkAvailable();
    builder.up().withDetail("bucket", properties.bucket());
  }
}
