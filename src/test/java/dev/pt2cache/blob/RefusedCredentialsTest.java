package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Which refusals of the store name the service's credentials: a key the store does not know or a
 * secret that is not the key's, not a key it took that lacks a permission ({@code AccessDenied}).
 */
class RefusedCredentialsTest {

  @Test
  void shouldNameTheCredentialsForAKeyOrSecretTheStoreDoesNotTake() {
    assertThat(RefusedCredentials.describe(failed(answer(403, "SignatureDoesNotMatch"))))
        .hasValueSatisfying(
            line ->
                assertThat(line)
                    .startsWith(
                        "the store refused this instance's credentials (403"
                            + " SignatureDoesNotMatch: the store's words)")
                    .contains("PT2CACHE_S3_ACCESS_KEY and PT2CACHE_S3_SECRET_KEY"));
    assertThat(RefusedCredentials.describe(failed(answer(403, "InvalidAccessKeyId")))).isPresent();
  }

  /**
   * AWS S3 answers a session token it does not take with {@code 400 Bad Request}, not 403 (its list
   * of error codes: {@code ExpiredToken}, {@code InvalidToken}, {@code TokenRefreshRequired}).
   */
  @Test
  void shouldNameTheCredentialsForASessionTokenTheStoreAnswersWithABadRequest() {
    for (String code : new String[] {"ExpiredToken", "InvalidToken", "TokenRefreshRequired"}) {
      assertThat(RefusedCredentials.describe(failed(answer(400, code))))
          .as(code)
          .hasValueSatisfying(
              line ->
                  assertThat(line)
                      .startsWith("the store refused this instance's credentials (400 " + code));
    }
    assertThat(RefusedCredentials.describe(failed(answer(400, "InvalidArgument")))).isEmpty();
  }

  @Test
  void shouldNotTakeAMissingPermissionOrAnAnswerWithoutReasonForRefusedCredentials() {
    assertThat(RefusedCredentials.describe(failed(answer(403, "AccessDenied")))).isEmpty();
    // a HEAD's 403 has no body, so no reason: either
    assertThat(RefusedCredentials.describe(failed(answer(403, null)))).isEmpty();
    assertThat(RefusedCredentials.describe(failed(answer(404, "NoSuchKey")))).isEmpty();
  }

  private static S3Exception answer(int status, String code) {
    return (S3Exception)
        S3Exception.builder()
            .statusCode(status)
            .awsErrorDetails(
                AwsErrorDetails.builder().errorCode(code).errorMessage("the store's words").build())
            .build();
  }

  private static StorageUnavailableException failed(S3Exception answer) {
    return new StorageUnavailableException("reading blob 00 failed", answer);
  }
}
