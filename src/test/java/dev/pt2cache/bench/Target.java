package dev.pt2cache.bench;

import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** What is benchmarked: the service, and the PostgreSQL and S3 server beneath it (for floors). */
record Target(
    String url,
    PgBench.Database database,
    String jdbcUrl,
    URI s3Endpoint,
    String s3AccessKey,
    String s3SecretKey,
    String bucket) {

  /** An S3 client configured as the service's own (path style, no extra checksums). */
  S3Client s3() {
    return S3Client.builder()
        .endpointOverride(s3Endpoint)
        .region(Region.US_EAST_1)
        .forcePathStyle(true)
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create(s3AccessKey, s3SecretKey)))
        .httpClientBuilder(Apache5HttpClient.builder().maxConnections(128))
        .build();
  }
}
