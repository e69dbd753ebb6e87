package dev.pt2cache.blob;

import dev.pt2cache.system.Causes;
import org.apache.hc.core5.http.ConnectionRequestTimeoutException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.retries.api.AcquireInitialTokenRequest;
import software.amazon.awssdk.retries.api.AcquireInitialTokenResponse;
import software.amazon.awssdk.retries.api.RecordSuccessRequest;
import software.amazon.awssdk.retries.api.RecordSuccessResponse;
import software.amazon.awssdk.retries.api.RefreshRetryTokenRequest;
import software.amazon.awssdk.retries.api.RefreshRetryTokenResponse;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.retries.api.TokenAcquisitionFailedException;

/**
 * The SDK's own retries, but for an attempt that found no free connection in its pool: that ends
 * the call, so that its caller hears {@code storage-busy} after one wait (docs/adr/0014). The SDK
 * retries every failure caused by an {@code IOException}, and a pool's {@link
 * ConnectionRequestTimeoutException} is one: each retry waited again, up to four waits in all
 * (measured: 3.7 s for a control call whose pool wait is 0.8 s), and past the call's bound the
 * answer became {@code storage-unavailable}. A full pool is this instance at its bound; waiting
 * again at once only holds the request longer, and spends the retry budget that store failures
 * need.
 */
final class PoolWaitNotRetried implements RetryStrategy {

  private final RetryStrategy sdk;

  private PoolWaitNotRetried(RetryStrategy sdk) {
    this.sdk = sdk;
  }

  /**
   * The strategy an AWS client has by default (the retry mode the environment sets), so bounded.
   */
  static RetryStrategy aroundDefault() {
    return new PoolWaitNotRetried(AwsRetryStrategy.defaultRetryStrategy());
  }

  /** Whether {@code failure} is a wait for a pooled connection that ran out. */
  static boolean waitedForConnection(Throwable failure) {
    for (Throwable cause : Causes.chain(failure)) {
      if (cause instanceof ConnectionRequestTimeoutException) {
        return true;
      }
    }
    return false;
  }

  @Override
  public AcquireInitialTokenResponse acquireInitialToken(AcquireInitialTokenRequest request) {
    return sdk.acquireInitialToken(request);
  }

  @Override
  public RefreshRetryTokenResponse refreshRetryToken(RefreshRetryTokenRequest request) {
    if (waitedForConnection(request.failure())) {
      throw new TokenAcquisitionFailedException(
          "no connection of the pool came free; not retried", request.token(), request.failure());
    }
    return sdk.refreshRetryToken(request);
  }

  @Override
  public RecordSuccessResponse recordSuccess(RecordSuccessRequest request) {
    return sdk.recordSuccess(request);
  }

  @Override
  public int maxAttempts() {
    return sdk.maxAttempts();
  }

  /** The SDK's conditions are in the strategy wrapped already; the client adds none. */
  @Override
  public boolean useClientDefaults() {
    return false;
  }

  /** A builder of the wrapped strategy: what it builds retries pool waits again. */
  @Override
  public Builder<?, ?> toBuilder() {
    return sdk.toBuilder();
  }
}
