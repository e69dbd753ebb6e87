package dev.pt2cache.blob;

import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.scheme.AwsV4AuthScheme;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.AsyncSignRequest;
import software.amazon.awssdk.http.auth.spi.signer.AsyncSignedRequest;
import software.amazon.awssdk.http.auth.spi.signer.SignRequest;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.IdentityProvider;
import software.amazon.awssdk.identity.spi.IdentityProviders;
import software.amazon.awssdk.utils.http.SdkHttpUtils;

/**
 * SigV4 that leaves request bodies unsigned ({@code x-amz-content-sha256: UNSIGNED-PAYLOAD}) on
 * plain-HTTP stores too, as the AWS SDK already does on HTTPS ones. The SDK's synchronous signer
 * always hashes the body over plain HTTP (aws-sdk-java-v2#5103), and the store then hashes it again
 * to check; the service has verified every byte's SHA-256 already, so those two passes buy nothing
 * but CPU (docs/adr/0008). Headers, path and query stay signed, so the store still authenticates
 * every request.
 *
 * <p>The SDK's signer decides from the request's protocol alone, which is not part of what SigV4
 * signs: the request is signed as if it were HTTPS, with the Host header it will be sent with, and
 * then sent over HTTP as it was.
 */
final class UnsignedPayloadAuthScheme implements AwsV4AuthScheme {

  private final AwsV4HttpSigner signer = new Signer(AwsV4HttpSigner.create());

  @Override
  public String schemeId() {
    return AwsV4AuthScheme.SCHEME_ID;
  }

  @Override
  public IdentityProvider<AwsCredentialsIdentity> identityProvider(IdentityProviders providers) {
    return providers.identityProvider(AwsCredentialsIdentity.class);
  }

  @Override
  public AwsV4HttpSigner signer() {
    return signer;
  }

  private record Signer(AwsV4HttpSigner delegate) implements AwsV4HttpSigner {

    @Override
    public SignedRequest sign(SignRequest<? extends AwsCredentialsIdentity> request) {
      SdkHttpRequest sent = request.request();
      if (!"http".equalsIgnoreCase(sent.protocol()) || request.payload().isEmpty()) {
        return delegate.sign(request);
      }
      SdkHttpRequest asHttps =
          sent.toBuilder().protocol("https").putHeader("Host", hostHeader(sent)).build();
      SignedRequest signed =
          delegate.sign(
              request.copy(
                  r -> r.request(asHttps).putProperty(PAYLOAD_SIGNING_ENABLED, Boolean.FALSE)));
      SdkHttpRequest back = signed.request().toBuilder().protocol(sent.protocol()).build();
      return signed.copy(r -> r.request(back));
    }

    @Override
    public CompletableFuture<AsyncSignedRequest> signAsync(
        AsyncSignRequest<? extends AwsCredentialsIdentity> request) {
      return delegate.signAsync(request);
    }

    /** The Host header as the HTTP client will send it: the port only when not the default. */
    private static String hostHeader(SdkHttpRequest request) {
      return SdkHttpUtils.isUsingStandardPort(request.protocol(), request.port())
          ? request.host()
          : request.host() + ":" + request.port();
    }
  }
}
