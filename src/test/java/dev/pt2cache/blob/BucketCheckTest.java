package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The bucket's check (the health endpoint's {@code storage}, the start's first request) says what
 * the store answered: before, "bucket ... is not reachable" for a bucket that was deleted and for
 * keys the store refused alike, which sent an operator to look at the network. Against the test
 * run's real S3 server.
 */
class BucketCheckTest {

  private static final StorageProperties SERVER =
      TestStorage.properties(false, null, DataSize.ofMegabytes(6));

  @BeforeAll
  static void bucket() {
    TestStorage.createBucket();
  }

  @Test
  void shouldPassForTheBucketThatExists() {
    assertThatCode(() -> check(SERVER)).doesNotThrowAnyException();
  }

  @Test
  void shouldSayTheBucketDoesNotExist() {
    String missing = "missing-" + UUID.randomUUID().toString().substring(0, 8);

    assertThatThrownBy(() -> check(TestStorage.withBucket(SERVER, missing, null)))
        .isInstanceOf(StorageUnavailableException.class)
        .hasMessage("bucket " + missing + " does not exist (the store answered 404)");
  }

  @Test
  void shouldSayTheStoreRefusedTheCredentials() {
    StorageProperties wrongSecret =
        TestStorage.withBucket(SERVER, SERVER.bucket(), "not-the-secret");

    assertThatThrownBy(() -> check(wrongSecret))
        .isInstanceOf(StorageUnavailableException.class)
        .hasMessage(
            "the store refused the service's credentials for bucket " + SERVER.bucket() + " (403)");
  }

  @Test
  void shouldSayTheBucketIsNotReachableWhereNothingAnswers() {
    StorageProperties nowhere = TestStorage.atClosedPort();

    assertThatThrownBy(() -> check(nowhere))
        .isInstanceOf(StorageUnavailableException.class)
        .hasMessage("bucket " + nowhere.bucket() + " is not reachable");
  }

  private static void check(StorageProperties properties) {
    try (S3Client s3 = S3StorageConfiguration.clientBuilder(properties).build();
        S3BlobStore store = new S3BlobStore(StoreClients.sharing(s3), properties)) {
      store.checkAvailable();
    }
  }
}
