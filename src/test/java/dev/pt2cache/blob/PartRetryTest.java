package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.DockerWhenContainers;
import dev.pt2cache.support.Fixtures;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.util.unit.DataSize;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

/**
 * A part the store fails after taking its body is sent again by the SDK, which opens the part's
 * bytes afresh: the first part from the head's chunks, the others from part buffers held in chunks
 * of a heap region ({@link PartChunks}). On the test run's real S3 server, every part's first
 * answer turned into a 500 (its body had gone whole), so each part goes twice; the stored object is
 * the one uploaded.
 */
@ExtendWith(DockerWhenContainers.class)
@Tag("integration")
class PartRetryTest {

  private static final long PART = TestStorage.PART_SIZE.toBytes();

  @BeforeAll
  static void bucketExists() {
    TestStorage.createBucket();
  }

  /** One permit: each part goes before the next is read; two: the next is read while one goes. */
  @ParameterizedTest(name = "{0} permit(s)")
  @ValueSource(ints = {1, 2})
  void shouldStoreThePartsAsSentWhenTheStoreAsksForEachAgain(int permits) throws Exception {
    StorageProperties properties =
        TestStorage.withMaxConcurrentPuts(
            TestStorage.properties(false, null, DataSize.ofBytes(0)), permits);
    // three whole parts, the first read as the head, and a short last one
    byte[] content = Fixtures.randomBytes((int) (3 * PART + 1024));
    String sha256 = Fixtures.sha256(content);
    Map<Integer, AtomicInteger> attempts = new ConcurrentHashMap<>();
    ExecutionInterceptor failFirst =
        new ExecutionInterceptor() {
          @Override
          public SdkHttpResponse modifyHttpResponse(
              Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
            if (context.request() instanceof UploadPartRequest part
                && attempts
                        .computeIfAbsent(part.partNumber(), n -> new AtomicInteger())
                        .incrementAndGet()
                    == 1) {
              return context.httpResponse().toBuilder().statusCode(500).build();
            }
            return context.httpResponse();
          }
        };
    try (S3Client s3 =
            S3StorageConfiguration.clientBuilder(properties)
                .overrideConfiguration(c -> c.addExecutionInterceptor(failFirst))
                .build();
        S3BlobStore store = new S3BlobStore(StoreClients.sharing(s3), properties)) {

      store.put(new BlobExpectation(sha256, content.length), new ByteArrayInputStream(content));

      assertThat(attempts.keySet()).containsExactlyInAnyOrder(1, 2, 3, 4);
      assertThat(attempts.values()).allMatch(n -> n.get() == 2);
      try (InputStream stored = store.get(sha256, null).orElseThrow().stream()) {
        assertThat(Fixtures.sha256(stored.readAllBytes())).isEqualTo(sha256);
      }
      store.delete(sha256);
    }
  }
}
