package dev.pt2cache.blob;

import dev.pt2cache.system.Causes;
import java.util.Optional;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.Ordered;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Says which setting to look at when the store did not answer the start's first request (the
 * bucket's HEAD, {@link DeploymentMarker}): a bucket that does not exist, keys the store refuses,
 * an endpoint where nothing answers. Measured by hand on the packaged jar: all three ended the log
 * with "bucket pt2cache is not reachable" (also for a bucket that answered 404 or 403) inside a 52
 * to 104-line stack trace, the SDK's status in its last "Caused by".
 */
public class StoreRefusedAtStart implements FailureAnalyzer, Ordered {

  @Override
  public FailureAnalysis analyze(Throwable failure) {
    for (Throwable cause : Causes.chain(failure)) {
      if (cause instanceof StorageUnavailableException unavailable
          && unavailable.getCause() instanceof SdkException sdk) {
        return new FailureAnalysis(
            "%s: %s. Nothing was written to the store."
                .formatted(unavailable.getMessage(), sdk.getMessage()),
            action(unavailable, sdk),
            unavailable);
      }
    }
    return null;
  }

  private static String action(StorageUnavailableException unavailable, SdkException sdk) {
    if (sdk instanceof AwsServiceException answered
        && (answered.statusCode() == 401 || answered.statusCode() == 403)
        && unavailable.getMessage().startsWith(S3BlobStore.CREATING_BUCKET)) {
      // the keys may see that the bucket is missing, not make it
      return "Create the bucket with credentials that may (s3:CreateBucket) and start again, or"
          + " grant the service's credentials s3:CreateBucket; a 403 is also a clock far off.";
    }
    if (sdk instanceof AwsServiceException answered
        && (answered.statusCode() == 401 || answered.statusCode() == 403)
        && unavailable.getMessage().contains("deployment marker")) {
      // the bucket's HEAD passed: the keys may see the bucket, not read or write its marker
      return ("Grant the service's credentials s3:GetObject and s3:PutObject on %s in the bucket"
              + " PT2CACHE_S3_BUCKET (and the other permissions docs/s3-compatibility.md lists);"
              + " a 403 is also a clock far off.")
          .formatted(BlobStore.MARKER_KEY);
    }
    Optional<String> certificateRefused = StoreCaBundle.refused(sdk);
    if (certificateRefused.isPresent()) {
      return certificateRefused.get();
    }
    if (!(sdk instanceof AwsServiceException answered)) {
      return "Check PT2CACHE_S3_ENDPOINT (and PT2CACHE_S3_REGION), and that the store runs there"
          + " and is reachable from this host.";
    }
    return switch (answered.statusCode()) {
      case 404 ->
          "Create the bucket, or name an existing one in PT2CACHE_S3_BUCKET; with"
              + " PT2CACHE_S3_CREATE_BUCKET=true the service creates it.";
      case 401, 403 ->
          "Check PT2CACHE_S3_ACCESS_KEY and PT2CACHE_S3_SECRET_KEY, and that they may use the"
              + " bucket PT2CACHE_S3_BUCKET (s3:ListBucket); a 403 is also a clock far off.";
      default ->
          "Check PT2CACHE_S3_ENDPOINT, PT2CACHE_S3_BUCKET and PT2CACHE_S3_PATH_STYLE against"
              + " the store's documentation (docs/s3-compatibility.md).";
    };
  }

  /** Before Spring's own analyzers, which would describe the bean that failed instead. */
  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE;
  }
}
