package dev.pt2cache.bench;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.presigner.PresignedRequest;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Presigned URLs straight to the S3 server, so a floor is measured with the very client that
 * measures the service: the only difference between the two figures is the server that answers.
 */
final class DirectS3 implements AutoCloseable {

  private static final Duration VALID = Duration.ofHours(2);

  private final S3Presigner presigner;
  private final String bucket;

  DirectS3(Target target) {
    this.bucket = target.bucket();
    this.presigner =
        S3Presigner.builder()
            .endpointOverride(target.s3Endpoint())
            .region(Region.US_EAST_1)
            .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(target.s3AccessKey(), target.s3SecretKey())))
            .build();
  }

  URI get(String key) {
    return uri(
        presigner.presignGetObject(
            b -> b.signatureDuration(VALID).getObjectRequest(g -> g.bucket(bucket).key(key))));
  }

  URI put(String key) {
    return uri(
        presigner.presignPutObject(
            b -> b.signatureDuration(VALID).putObjectRequest(p -> p.bucket(bucket).key(key))));
  }

  private static URI uri(PresignedRequest request) {
    return URI.create(request.url().toString());
  }

  @Override
  public void close() {
    presigner.close();
  }
}
