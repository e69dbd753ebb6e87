package dev.pt2cache.blob;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.StringUtils;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.LegacyMd5Plugin;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;

/** The one place that builds the AWS SDK clients. */
@Configuration(proxyBeanMethods = false)
class S3StorageConfiguration {

  @Bean(destroyMethod = "close")
  StoreClients storeClients(StorageProperties properties, MeterRegistry registry) {
    return new StoreClients(
        clientBuilder(properties, properties.maxConnections())
            .overrideConfiguration(
                c ->
                    c.addMetricPublisher(
                        new StoreCallMetrics(registry, "downloads", properties.connectionWait())))
            .build(),
        // an upload has at most one store request in flight (max-concurrent-puts permits bound
        // them);
        // housekeeping aborts abandoned multipart uploads one at a time beside them
        clientBuilder(properties, 2 * properties.maxConcurrentPuts())
            // a store that stops taking an upload's bytes would hold its thread for good
            .httpClientBuilder(
                StallGuard.around(
                    httpClient(properties, 2 * properties.maxConcurrentPuts()),
                    properties.stallTimeout()))
            .overrideConfiguration(
                c ->
                    c.addMetricPublisher(
                        new StoreCallMetrics(registry, "uploads", properties.connectionWait())))
            .build(),
        clientBuilder(properties, StorageProperties.CONTROL_CONNECTIONS)
            // a full pool answers busy: the wait ends before the call's bound does, and once
            // (docs/adr/0014, third amendment)
            .httpClientBuilder(
                httpClient(
                    properties,
                    StorageProperties.CONTROL_CONNECTIONS,
                    properties.controlConnectionWait()))
            // small requests: a hung store answers them unavailable, not never
            .overrideConfiguration(
                c ->
                    c.apiCallTimeout(properties.controlTimeout())
                        .retryStrategy(PoolWaitNotRetried.aroundDefault())
                        .addMetricPublisher(
                            new StoreCallMetrics(
                                registry, "control", properties.controlConnectionWait())))
            .build(),
        // the bucket's check, apart from the control requests: a full control pool is this
        // instance busy, not the store gone, and must not take readiness down (docs/adr/0014)
        clientBuilder(properties, StorageProperties.HEALTH_CONNECTIONS)
            .httpClientBuilder(
                httpClient(
                    properties,
                    StorageProperties.HEALTH_CONNECTIONS,
                    StorageProperties.HEALTH_CONNECTION_WAIT))
            .overrideConfiguration(
                c ->
                    c.apiCallTimeout(properties.controlTimeout())
                        .addMetricPublisher(
                            new StoreCallMetrics(
                                registry, "health", StorageProperties.HEALTH_CONNECTION_WAIT)))
            .build());
  }

  /** A client as the service builds it, before {@code build()}, with the downloads' pool. */
  static S3ClientBuilder clientBuilder(StorageProperties properties) {
    return clientBuilder(properties, properties.maxConnections());
  }

  private static S3ClientBuilder clientBuilder(StorageProperties properties, int connections) {
    S3ClientBuilder builder =
        S3Client.builder()
            .region(Region.of(properties.region()))
            .forcePathStyle(properties.pathStyle())
            // the service hashes content itself; do not depend on a store's checksum support
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
            // Content-MD5 where S3 requires a checksum (DeleteObjects): since 2.30 the SDK sends
            // only a CRC32 there, which stores short of AWS's newest checksums refuse
            .addPlugin(LegacyMd5Plugin.create())
            .credentialsProvider(credentials(properties))
            // the S3 client adds Expect: 100-continue to uploads over 1 MiB, and the HTTP client
            // to every request with a body: both follow the setting
            .serviceConfiguration(
                S3Configuration.builder()
                    .expectContinueEnabled(properties.expectContinue())
                    .build())
            .httpClientBuilder(httpClient(properties, connections));
    if (properties.endpoint() != null && !properties.endpoint().toString().isEmpty()) {
      builder.endpointOverride(properties.endpoint());
    }
    if (!properties.signPayload()) {
      builder.putAuthScheme(new UnsignedPayloadAuthScheme());
    }
    return builder;
  }

  private static Apache5HttpClient.Builder httpClient(
      StorageProperties properties, int connections) {
    return httpClient(properties, connections, properties.connectionWait());
  }

  private static Apache5HttpClient.Builder httpClient(
      StorageProperties properties, int connections, Duration connectionWait) {
    Apache5HttpClient.Builder client =
        Apache5HttpClient.builder()
            .maxConnections(connections)
            .expectContinueEnabled(properties.expectContinue())
            .connectionAcquisitionTimeout(connectionWait);
    if (properties.caBundle() != null && !properties.caBundle().toString().isEmpty()) {
      // each of the four clients reads it: at start, once per client (docs/adr/0053)
      client.tlsTrustManagersProvider(StoreCaBundle.read(properties.caBundle()));
    }
    return client;
  }

  @Bean
  S3BlobStore blobStore(StoreClients clients, StorageProperties properties) {
    S3BlobStore store = new S3BlobStore(clients, properties);
    if (properties.createBucket()) {
      store.createBucketIfMissing();
    }
    return store;
  }

  private static AwsCredentialsProvider credentials(StorageProperties properties) {
    if (StringUtils.hasText(properties.accessKey())) {
      return StaticCredentialsProvider.create(
          AwsBasicCredentials.create(properties.accessKey(), properties.secretKey()));
    }
    return DefaultCredentialsProvider.builder().build();
  }
}
