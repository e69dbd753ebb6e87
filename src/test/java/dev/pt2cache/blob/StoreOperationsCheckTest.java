package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.mockito.Mockito.mock;

import dev.pt2cache.support.DockerWhenContainers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.util.unit.DataSize;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * At start the service asks the store for every operation it needs, so that credentials missing a
 * permission are named when the instance starts rather than found out by the first upload or
 * housekeeping run that needs it. Against the real store of the test run: with the right
 * credentials it takes everything and keeps nothing of the check; with a wrong secret every
 * operation is refused (403), each named with the permission it takes, and health names them while
 * the bucket stays UP.
 */
@ExtendWith(DockerWhenContainers.class)
@Tag("integration")
class StoreOperationsCheckTest {

  @BeforeAll
  static void bucketExists() {
    TestStorage.createBucket();
  }

  @Test
  void shouldFindEveryOperationTakenAndLeaveNothingBehind() {
    StorageProperties properties = TestStorage.properties(false, null, DataSize.ofMegabytes(6));
    try (S3Client s3 = S3StorageConfiguration.clientBuilder(properties).build()) {
      StoreOperationsCheck check =
          new StoreOperationsCheck(StoreClients.sharing(s3), properties, new SimpleMeterRegistry());

      assertThat(check.check()).isEmpty();

      assertThat(
              s3.listObjectsV2(
                      b -> b.bucket(properties.bucket()).prefix(StoreOperationsCheck.PROBE_PREFIX))
                  .contents())
          .as("the check's object is deleted")
          .isEmpty();
      assertThat(
              s3.listMultipartUploads(
                      b -> b.bucket(properties.bucket()).prefix(StoreOperationsCheck.PROBE_PREFIX))
                  .uploads())
          .as("the check's multipart upload is aborted")
          .isEmpty();
    }
  }

  @Test
  void shouldNameEachOperationRefusedWithThePermissionItTakes() {
    StorageProperties properties =
        TestStorage.properties(false, "not-the-secret", DataSize.ofMegabytes(6));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (S3Client s3 = S3StorageConfiguration.clientBuilder(properties).build()) {
      StoreOperationsCheck check =
          new StoreOperationsCheck(StoreClients.sharing(s3), properties, registry);
      check.afterPropertiesSet();

      assertThat(check.refused())
          .extracting(
              StoreOperationsCheck.Refused::operation, StoreOperationsCheck.Refused::permission)
          .containsExactly(
              tuple("PutObject", "s3:PutObject"),
              tuple("HeadObject of a missing object (answered 403, not 404)", "s3:ListBucket"),
              tuple("ListObjectsV2", "s3:ListBucket"),
              tuple("ListMultipartUploads", "s3:ListBucketMultipartUploads"),
              tuple("CreateMultipartUpload", "s3:PutObject"));
      assertThat(check.refused().get(0).answer()).startsWith("403");
      assertThat(registry.get("pt2cache.store.operations.refused").gauge().value()).isEqualTo(5);

      Health health =
          new StorageHealthIndicator(mock(BlobStore.class), properties, check).health(true);
      assertThat(health.getStatus()).isEqualTo(Status.UP);
      Map<String, Object> details = health.getDetails();
      assertThat(details.get("refusedAtStart").toString())
          .contains("ListMultipartUploads (s3:ListBucketMultipartUploads): 403");
    }
  }
}
