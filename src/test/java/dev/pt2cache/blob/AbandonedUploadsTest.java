package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pt2cache.support.DockerWhenContainers;
import dev.pt2cache.support.Fixtures;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.util.unit.DataSize;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

/**
 * Purge aborts the multipart uploads that were abandoned, and only those: an upload of a large
 * artifact in flight is a multipart upload too, and aborting it would fail the upload at its
 * commit. Against the real store of the test run, with the cut-off given explicitly.
 */
@ExtendWith(DockerWhenContainers.class)
@Tag("integration")
class AbandonedUploadsTest {

  private final StorageProperties properties =
      TestStorage.properties(false, null, DataSize.ofMegabytes(6));
  private final S3Client s3 = S3StorageConfiguration.clientBuilder(properties).build();
  private final S3BlobStore store = new S3BlobStore(StoreClients.sharing(s3), properties);
  private final String key = BlobStore.objectKey(Fixtures.sha256(Fixtures.randomBytes(64)));
  private String uploadId;

  @BeforeAll
  static void bucketExists() {
    TestStorage.createBucket();
  }

  @AfterEach
  void close() {
    try {
      // a failed run must not leave its upload to the tests that count unfinished ones
      if (uploadId != null && upload(key, uploadId).isPresent()) {
        s3.abortMultipartUpload(b -> b.bucket(properties.bucket()).key(key).uploadId(uploadId));
      }
    } finally {
      store.close();
      s3.close();
    }
  }

  @Test
  void shouldAbortOnlyTheUploadsStartedBeforeTheCutOff() {
    uploadId = s3.createMultipartUpload(b -> b.bucket(properties.bucket()).key(key)).uploadId();
    Instant started = upload(key, uploadId).orElseThrow().initiated();
    assertThat(started).as("the store says when an upload began").isNotNull();

    store.abortUploadsStartedBefore(started.minusSeconds(60));
    assertThat(upload(key, uploadId)).as("an upload begun after the cut-off is kept").isPresent();

    assertThat(store.abortUploadsStartedBefore(started.plusSeconds(1))).isGreaterThanOrEqualTo(1);
    assertThat(upload(key, uploadId)).as("an upload begun before the cut-off is aborted").isEmpty();
  }

  @Test
  void shouldSayTheStoreRefusedToListUploadsApartFromAStoreThatIsDown() {
    try (RefusingStore refusing = new RefusingStore()) {
      assertThatThrownBy(() -> refusing.store().abortUploadsStartedBefore(Instant.now()))
          .isInstanceOf(StoreRefusedException.class)
          .hasMessageContaining("refused to list multipart uploads");
    }
  }

  /** The unfinished multipart upload of that key and id, as the store lists it. */
  private Optional<MultipartUpload> upload(String key, String uploadId) {
    return s3
        .listMultipartUploadsPaginator(b -> b.bucket(properties.bucket()).prefix(key))
        .uploads()
        .stream()
        .filter(u -> u.uploadId().equals(uploadId))
        .findFirst();
  }
}
