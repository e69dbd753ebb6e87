package dev.pt2cache.blob;

import dev.pt2cache.system.Causes;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

/**
 * Says, in one line, that the store refused the service's credentials: an access key it does not
 * know ({@code InvalidAccessKeyId}: deleted, deactivated, or another store's), a secret that is not
 * the key's ({@code SignatureDoesNotMatch}), or a session token that expired or is not valid. The
 * store checks them on every request, so a running instance meets a revoked key at its next request
 * (docs/operations.md, "Rotating the database and store credentials"). Not a {@code 403
 * AccessDenied}: the store took the key, which lacks a permission for that request, and the service
 * names the permission where it knows it (the check at start, {@code purge}'s listing of multipart
 * uploads).
 */
public final class RefusedCredentials {

  /** The error codes of S3 and the stores that follow it for credentials it does not take. */
  private static final Set<String> CODES =
      Set.of(
          "InvalidAccessKeyId",
          "SignatureDoesNotMatch",
          "ExpiredToken",
          "InvalidToken",
          "TokenRefreshRequired");

  private RefusedCredentials() {}

  /**
   * The line for {@code failure} when the store's refusal of the credentials lies among its causes,
   * in the store's words (which name the key at most, never the secret) and with the settings to
   * check; empty for any other failure.
   */
  public static Optional<String> describe(Throwable failure) {
    for (Throwable t : Causes.chain(failure)) {
      if (t instanceof AwsServiceException answered && refused(answered)) {
        return Optional.of(
            "the store refused this instance's credentials ("
                + answered.statusCode()
                + " "
                + answered.awsErrorDetails().errorCode()
                + ": "
                + answered.awsErrorDetails().errorMessage()
                + "): check PT2CACHE_S3_ACCESS_KEY and PT2CACHE_S3_SECRET_KEY against the store's"
                + " keys (a key deactivated or deleted, or a secret changed, while instances"
                + " run), or, with neither set, the credentials the AWS SDK's default chain finds"
                + " (environment, profile, web identity, container or instance role)");
      }
    }
    return Optional.empty();
  }

  /**
   * Whether the store answered that it does not take the credentials it was sent: {@code 403} for a
   * key or secret, and AWS S3's {@code 400} for a session token (its list of error codes).
   */
  static boolean refused(AwsServiceException answered) {
    return (answered.statusCode() == 400
            || answered.statusCode() == 401
            || answered.statusCode() == 403)
        && answered.awsErrorDetails() != null
        && answered.awsErrorDetails().errorCode() != null // a HEAD's: no body, so no reason
        && CODES.contains(answered.awsErrorDetails().errorCode());
  }
}
