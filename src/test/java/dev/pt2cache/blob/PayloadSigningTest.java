package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pt2cache.support.DockerWhenContainers;
import java.net.URI;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.util.unit.DataSize;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The service's S3 client against the real store of the test run (S3Proxy with SigV4 checks, or
 * MinIO): bodies go unsigned on plain HTTP unless asked for, and every request stays signed.
 */
@ExtendWith(DockerWhenContainers.class)
@Tag("integration")
class PayloadSigningTest {

  private static final String CONTENT_SHA256 = "x-amz-content-sha256";

  private final List<String> sentPayloadHashes = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void bucketExists() {
    TestStorage.createBucket();
  }

  @Nested
  class ByDefault {

    @Test
    void shouldSendBodiesUnsignedAndStillBeAccepted() {
      byte[] content = bytes(300);
      try (S3Client s3 = client(false, null)) {
        String key = put(s3, content);

        assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket()).key(key)).asByteArray())
            .isEqualTo(content);
      }
      assertThat(sentPayloadHashes).containsExactly("UNSIGNED-PAYLOAD");
    }

    @Test
    void shouldSendMultipartPartsUnsigned() throws Exception {
      S3BlobStore store =
          new S3BlobStore(StoreClients.sharing(client(false, null)), properties(false, null));
      byte[] content = bytes(12 << 20);
      BlobExpectation expected = new BlobExpectation(sha256(content), content.length);

      store.put(expected, new java.io.ByteArrayInputStream(content));

      assertThat(store.exists(expected.sha256())).isTrue();
      // 12 MiB in parts of 5 MiB: three part uploads, each unsigned
      assertThat(sentPayloadHashes).hasSize(3).containsOnly("UNSIGNED-PAYLOAD");
      store.delete(expected.sha256());
    }

    @Test
    void shouldStillBeRefusedWithTheWrongSecret() {
      try (S3Client s3 = client(false, "not-the-secret")) {
        assertThatThrownBy(() -> put(s3, bytes(300)))
            .isInstanceOfSatisfying(
                S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(403));
      }
    }
  }

  @Nested
  class WhenAskedToSignPayloads {

    @Test
    void shouldSendTheBodysHashAndBeAccepted() {
      try (S3Client s3 = client(true, null)) {
        put(s3, bytes(300));
      }
      // over plain HTTP a PutObject's body goes aws-chunked, however short, each chunk signed
      assertThat(sentPayloadHashes).containsExactly("STREAMING-AWS4-HMAC-SHA256-PAYLOAD");
    }

    @Test
    void shouldSignEachPartTheFirstSentFromTheHeadToo() throws Exception {
      S3BlobStore store =
          new S3BlobStore(StoreClients.sharing(client(true, null)), properties(true, null));
      byte[] content = bytes(12 << 20);
      BlobExpectation expected = new BlobExpectation(sha256(content), content.length);

      store.put(expected, new java.io.ByteArrayInputStream(content));

      try (java.io.InputStream stored = store.get(expected.sha256(), null).orElseThrow().stream()) {
        assertThat(sha256(stored.readAllBytes())).isEqualTo(expected.sha256());
      }
      // 12 MiB in parts of 5 MiB, the first the head read before the permit, its chunks read by
      // the signer as they are sent: three part uploads, each signed (the SDK signs a part's body
      // chunk by chunk, STREAMING-AWS4-HMAC-SHA256-PAYLOAD), and the store took each
      assertThat(sentPayloadHashes).hasSize(3).containsOnly("STREAMING-AWS4-HMAC-SHA256-PAYLOAD");
      store.delete(expected.sha256());
    }
  }

  /**
   * What {@code S3BlobWriter} relies on to stream a signed upload in one request: the SDK signs a
   * body of declared length chunk by chunk as it sends it, reading it once, and not at all over
   * HTTPS.
   */
  @Nested
  class WhenAskedToSignAStreamedBody {

    @Test
    void shouldSignItChunkByChunkReadingItOnce() {
      byte[] content = bytes(6 << 20);
      AtomicInteger opened = new AtomicInteger();
      String key = "tests/signing/" + UUID.randomUUID();
      try (S3Client s3 = client(true, null)) {
        s3.putObject(
            b -> b.bucket(bucket()).key(key).contentLength((long) content.length),
            RequestBody.fromContentProvider(
                () -> {
                  opened.incrementAndGet();
                  return new java.io.ByteArrayInputStream(content);
                },
                content.length,
                "application/octet-stream"));

        assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket()).key(key)).asByteArray())
            .isEqualTo(content);
      }
      assertThat(sentPayloadHashes).containsExactly("STREAMING-AWS4-HMAC-SHA256-PAYLOAD");
      assertThat(opened).hasValue(1);
    }

    @Test
    void shouldLeaveItUnsignedOverHttps() throws Exception {
      // nothing listens there: the request is signed and recorded, then fails to connect
      int closed;
      try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
        closed = socket.getLocalPort();
      }
      StorageProperties https =
          TestStorage.properties(
              URI.create("https://127.0.0.1:" + closed), true, null, DataSize.ofMegabytes(6));
      try (S3Client s3 = client(https)) {
        assertThatThrownBy(
            () ->
                s3.putObject(
                    b -> b.bucket(bucket()).key("tests/signing/https").contentLength(300L),
                    RequestBody.fromContentProvider(
                        () -> new java.io.ByteArrayInputStream(bytes(300)),
                        300,
                        "application/octet-stream")));
        assertThatThrownBy(
            () ->
                s3.uploadPart(
                    b ->
                        b.bucket(bucket())
                            .key("tests/signing/https")
                            .uploadId("x")
                            .partNumber(1)
                            .contentLength(300L),
                    RequestBody.fromContentProvider(
                        () -> new java.io.ByteArrayInputStream(bytes(300)),
                        300,
                        "application/octet-stream")));
      }
      assertThat(sentPayloadHashes).isNotEmpty().containsOnly("UNSIGNED-PAYLOAD");
    }
  }

  @Nested
  class OnADefaultPort {

    @Test
    void shouldSignTheHostHeaderThatIsSent() {
      SignedRequest signed =
          new UnsignedPayloadAuthScheme()
              .signer()
              .sign(
                  r ->
                      r.identity(AwsBasicCredentials.create("id", "secret"))
                          .request(
                              SdkHttpRequest.builder()
                                  .uri(URI.create("http://store.example/bucket/key"))
                                  .method(SdkHttpMethod.PUT)
                                  .build())
                          .payload(() -> new java.io.ByteArrayInputStream(bytes(10)))
                          .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                          .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3"));

      assertThat(signed.request().protocol()).isEqualTo("http");
      assertThat(signed.request().port()).isEqualTo(80);
      assertThat(signed.request().firstMatchingHeader("Host")).contains("store.example");
      assertThat(signed.request().firstMatchingHeader(CONTENT_SHA256)).contains("UNSIGNED-PAYLOAD");
      assertThat(signed.request().firstMatchingHeader("Authorization").orElseThrow())
          .contains("SignedHeaders=host;");
    }
  }

  private String put(S3Client s3, byte[] content) {
    String key = "tests/signing/" + UUID.randomUUID();
    s3.putObject(b -> b.bucket(bucket()).key(key), RequestBody.fromBytes(content));
    return key;
  }

  private S3Client client(boolean signPayload, String secret) {
    return client(properties(signPayload, secret));
  }

  private S3Client client(StorageProperties properties) {
    ExecutionInterceptor recorder =
        new ExecutionInterceptor() {
          @Override
          public void beforeTransmission(
              Context.BeforeTransmission context, ExecutionAttributes attributes) {
            SdkHttpRequest request = context.httpRequest();
            if (request.method() == SdkHttpMethod.PUT) {
              request.firstMatchingHeader(CONTENT_SHA256).ifPresent(sentPayloadHashes::add);
            }
          }
        };
    return S3StorageConfiguration.clientBuilder(properties)
        .overrideConfiguration(o -> o.addExecutionInterceptor(recorder))
        .build();
  }

  private static StorageProperties properties(boolean signPayload, String secret) {
    return TestStorage.properties(signPayload, secret, DataSize.ofMegabytes(6));
  }

  private static String bucket() {
    return TestStorage.bucket();
  }

  private static String sha256(byte[] content) throws java.security.NoSuchAlgorithmException {
    return java.util.HexFormat.of()
        .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(content));
  }

  private static byte[] bytes(int size) {
    byte[] content = new byte[size];
    new Random(size).nextBytes(content);
    return content;
  }
}
