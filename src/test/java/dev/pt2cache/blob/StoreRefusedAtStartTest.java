package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pt2cache.support.LastLogLines;
import dev.pt2cache.support.ServiceInstances;
import dev.pt2cache.support.ServiceTest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * An instance whose store does not answer its first request ends its log saying what the store
 * answered and which setting to check, and no stack trace (before: "bucket ... is not reachable",
 * also for a bucket that answered 404 or 403, above 52 lines of frames).
 */
@ExtendWith(OutputCaptureExtension.class)
class StoreRefusedAtStartTest extends ServiceTest {

  @Test
  void shouldSayTheBucketDoesNotExistAndHowToCreateIt(CapturedOutput output) {
    String bucket = "missing-" + UUID.randomUUID().toString().substring(0, 8);
    assertThatThrownBy(() -> start(Map.of("PT2CACHE_S3_BUCKET", bucket)))
        .hasStackTraceContaining("404");

    assertThat(LastLogLines.of(output))
        .contains("APPLICATION FAILED TO START")
        .contains("bucket " + bucket + " does not exist (the store answered 404): ")
        .contains("Status Code: 404")
        .contains("name an existing one in PT2CACHE_S3_BUCKET")
        .doesNotContain("\tat ");
  }

  @Test
  void shouldSayTheStoreRefusedTheKeys(CapturedOutput output) {
    assertThatThrownBy(() -> start(Map.of("PT2CACHE_S3_SECRET_KEY", "not-the-secret")))
        .hasStackTraceContaining("403");

    assertThat(LastLogLines.of(output))
        .contains("APPLICATION FAILED TO START")
        .contains("Status Code: 403")
        .contains("Check PT2CACHE_S3_ACCESS_KEY and PT2CACHE_S3_SECRET_KEY")
        .doesNotContain("\tat ");
  }

  /**
   * Keys that may see the bucket but not read or write its deployment marker (a policy granting
   * s3:ListBucket alone) pass the bucket's {@code HEAD} and are refused at the marker: the action
   * named s3:ListBucket, which they have, not the object permission they lack. S3Proxy grants every
   * key everything, so the store's answer is the SDK's own exception, as the marker's read and
   * write wrap it.
   */
  @Test
  void shouldNameTheMarkersPermissionWhenTheStoreRefusesTheMarker() {
    var refused =
        S3Exception.builder()
            .statusCode(403)
            .message("Access Denied (Service: S3, Status Code: 403)")
            .build();
    for (String request :
        List.of("writing the deployment marker", "reading the deployment marker")) {
      var analysis =
          new StoreRefusedAtStart()
              .analyze(
                  new IllegalStateException(
                      "deploymentMarker failed",
                      new StorageUnavailableException(request + " failed", refused)));

      assertThat(analysis.getDescription()).startsWith(request + " failed: Access Denied");
      assertThat(analysis.getAction())
          .as(request)
          .contains("s3:GetObject")
          .contains("s3:PutObject")
          .contains(BlobStore.MARKER_KEY)
          .doesNotContain("s3:ListBucket");
    }
  }

  /**
   * With {@code PT2CACHE_S3_CREATE_BUCKET=true} the start's first request is the bucket's check
   * before creating it: keys the store refuses there ended the log in the SDK's stack trace.
   */
  @Test
  void shouldSayTheStoreRefusedTheKeysWhenTheServiceMayCreateTheBucket(CapturedOutput output) {
    Map<String, String> settings = new HashMap<>();
    settings.put("PT2CACHE_S3_SECRET_KEY", "not-the-secret");
    settings.put("PT2CACHE_S3_CREATE_BUCKET", "true");
    settings.put("PT2CACHE_HOUSEKEEPING_ENABLED", "false");
    assertThatThrownBy(() -> ServiceInstances.start(settings).close())
        .hasStackTraceContaining("403");

    assertThat(LastLogLines.of(output))
        .contains("APPLICATION FAILED TO START")
        .contains("checking bucket ")
        .contains("(PT2CACHE_S3_CREATE_BUCKET=true) failed")
        .contains("Status Code: 403")
        .contains("Check PT2CACHE_S3_ACCESS_KEY and PT2CACHE_S3_SECRET_KEY")
        .doesNotContain("\tat ");
  }

  /** Keys that may see the bucket is missing but not make it: the action names the permission. */
  @Test
  void shouldNameTheCreatePermissionWhenTheStoreRefusesToCreateTheBucket() {
    var refused =
        S3Exception.builder()
            .statusCode(403)
            .message("Access Denied (Service: S3, Status Code: 403)")
            .build();
    var analysis =
        new StoreRefusedAtStart()
            .analyze(
                new IllegalStateException(
                    "blobStore failed",
                    new StorageUnavailableException(
                        S3BlobStore.CREATING_BUCKET + "b (PT2CACHE_S3_CREATE_BUCKET=true) failed",
                        refused)));

    assertThat(analysis.getAction()).contains("s3:CreateBucket");
  }

  private static void start(Map<String, String> settings) {
    Map<String, String> all = new HashMap<>(settings);
    all.put("PT2CACHE_S3_CREATE_BUCKET", "false");
    all.put("PT2CACHE_HOUSEKEEPING_ENABLED", "false");
    ServiceInstances.start(all).close();
  }
}
