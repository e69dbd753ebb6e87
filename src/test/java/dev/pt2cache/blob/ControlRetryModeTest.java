package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.retries.api.AcquireInitialTokenRequest;
import software.amazon.awssdk.retries.api.RecordSuccessRequest;
import software.amazon.awssdk.retries.api.RefreshRetryTokenRequest;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.retries.api.RetryToken;
import software.amazon.awssdk.retries.api.TokenAcquisitionFailedException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The control requests' retries come from where a default AWS client's do, as docs/configuration.md
 * says: the {@code aws.retryMode} system property ({@code AWS_RETRY_MODE}), else {@code retry_mode}
 * in the AWS profile file, else the SDK's default: since SDK 2.59 the standard mode, 3 attempts
 * (before, the legacy one, 4). An SDK upgrade that moves the default again shows here.
 */
class ControlRetryModeTest {

  private static final String RETRY_MODE = "aws.retryMode";
  private static final String CONFIG_FILE = "aws.configFile";

  @AfterEach
  void clear() {
    System.clearProperty(RETRY_MODE);
    System.clearProperty(CONFIG_FILE);
  }

  @Test
  void shouldMakeThreeAttemptsUnlessAModeIsSet() {
    assertThat(PoolWaitNotRetried.aroundDefault().maxAttempts()).isEqualTo(3);
  }

  /**
   * The standard mode's retry quota, as SDK 2.59 sets it: each retry of a failed call costs 14 of
   * 500 tokens (the legacy mode, and the SDK before, 5), and each call that succeeds gives one
   * back. So 35 retries that fail in a row, over the whole instance, stop every retry of this
   * client (before, 100), and 14 calls must then succeed for each retry allowed again.
   */
  @Test
  void shouldStopRetryingAfter35FailedRetriesUntil14CallsSucceed() {
    RetryStrategy strategy = PoolWaitNotRetried.aroundDefault();

    assertThat(failedRetriesUntilTheQuotaStopsThem(strategy)).isEqualTo(35);
    for (int i = 0; i < 14; i++) {
      RetryToken token =
          strategy.acquireInitialToken(AcquireInitialTokenRequest.create("q")).token();
      strategy.recordSuccess(RecordSuccessRequest.create(token));
    }
    assertThat(failedRetriesUntilTheQuotaStopsThem(strategy)).isEqualTo(1);
  }

  @Test
  void shouldLeaveTheLegacyModeItsQuotaOf100FailedRetries() {
    System.setProperty(RETRY_MODE, "legacy");

    assertThat(failedRetriesUntilTheQuotaStopsThem(PoolWaitNotRetried.aroundDefault()))
        .isEqualTo(100);
  }

  /**
   * How long a retry waits, as SDK 2.59's standard mode sets it: after a failure such as a refused
   * connection or a 500, a random delay up to 50 ms (the legacy mode, and the SDK before, up to 100
   * ms); after the store throttled (503 SlowDown), up to 1 s (before, 250 to 500 ms), doubling with
   * each retry. The control calls' bound (PT2CACHE_S3_CONTROL_TIMEOUT) covers these waits.
   */
  @Test
  void shouldWaitUpTo50msBeforeARetryAndUpTo1sAfterAThrottle() {
    SdkClientException refused =
        SdkClientException.builder().cause(new IOException("Connection refused")).build();
    S3Exception slowDown =
        (S3Exception)
            S3Exception.builder()
                .statusCode(503)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("SlowDown").build())
                .build();

    assertThat(longestFirstDelay(refused)).isLessThanOrEqualTo(Duration.ofMillis(50));
    assertThat(longestFirstDelay(slowDown))
        .isGreaterThan(Duration.ofMillis(500))
        .isLessThanOrEqualTo(Duration.ofSeconds(1));
  }

  /** The longest of 200 first retries' delays after {@code failure}, each on a fresh client. */
  private static Duration longestFirstDelay(Throwable failure) {
    Duration longest = Duration.ZERO;
    for (int i = 0; i < 200; i++) {
      RetryStrategy strategy = PoolWaitNotRetried.aroundDefault();
      RetryToken token =
          strategy.acquireInitialToken(AcquireInitialTokenRequest.create("d")).token();
      Duration delay =
          strategy
              .refreshRetryToken(
                  RefreshRetryTokenRequest.builder().token(token).failure(failure).build())
              .delay();
      longest = delay.compareTo(longest) > 0 ? delay : longest;
    }
    return longest;
  }

  /** Calls that fail with a refused connection every attempt, until a retry is refused early. */
  private static int failedRetriesUntilTheQuotaStopsThem(RetryStrategy strategy) {
    SdkClientException refused =
        SdkClientException.builder().cause(new IOException("Connection refused")).build();
    int retries = 0;
    for (int call = 0; call < 1000; call++) {
      RetryToken token =
          strategy.acquireInitialToken(AcquireInitialTokenRequest.create("q")).token();
      for (int attempt = 1; attempt < strategy.maxAttempts(); attempt++) {
        try {
          token =
              strategy
                  .refreshRetryToken(
                      RefreshRetryTokenRequest.builder().token(token).failure(refused).build())
                  .token();
          retries++;
        } catch (TokenAcquisitionFailedException e) {
          return retries;
        }
      }
    }
    throw new AssertionError("the quota never stopped a retry");
  }

  @Test
  void shouldTakeTheRetryModeOfTheSystemProperty() {
    System.setProperty(RETRY_MODE, "legacy");

    assertThat(PoolWaitNotRetried.aroundDefault().maxAttempts()).isEqualTo(4);
  }

  @Test
  void shouldTakeTheRetryModeOfTheAwsProfileFile(@TempDir Path dir) throws Exception {
    Path config = Files.writeString(dir.resolve("config"), "[default]\nretry_mode = legacy\n");
    System.setProperty(CONFIG_FILE, config.toString());

    assertThat(PoolWaitNotRetried.aroundDefault().maxAttempts()).isEqualTo(4);
  }
}
