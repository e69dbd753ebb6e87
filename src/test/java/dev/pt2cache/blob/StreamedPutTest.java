package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pt2cache.blob.ContentMismatchException.Mismatch;
import dev.pt2cache.support.DockerWhenContainers;
import dev.pt2cache.support.GeneratedContent;
import dev.pt2cache.support.StoreAssertions;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.util.unit.DataSize;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * ADR 0013 against the real store of the test run: a blob over the part size and up to {@code
 * single-put-max} goes to the store in one request that starts before the client has sent
 * everything (a smaller one is read in full first), and a body that is not what was declared leaves
 * nothing under its content address.
 */
@ExtendWith(DockerWhenContainers.class)
@Tag("integration")
class StreamedPutTest {

  private static final long SIZE = 12L << 20; // over the part size: multipart before ADR 0013
  private static final DataSize SINGLE_PUT_MAX = DataSize.ofMegabytes(16);

  private final List<String> sent = new CopyOnWriteArrayList<>();
  private final AtomicLong readWhenFirstByteSent = new AtomicLong(-1);
  private final AtomicLong read = new AtomicLong();
  private final S3Client s3 = client();
  private final S3BlobStore store =
      new S3BlobStore(
          StoreClients.sharing(s3), TestStorage.properties(signPayload(), null, SINGLE_PUT_MAX));

  /** Whether bodies are signed: {@link SignedStreamedPutTest} runs the same with them signed. */
  boolean signPayload() {
    return false;
  }

  @BeforeAll
  static void bucketExists() {
    TestStorage.createBucket();
  }

  @AfterEach
  void close() {
    store.close();
    s3.close();
  }

  @Test
  void shouldSendABlobOverThePartSizeInOneRequestWhileItStillArrives() throws Exception {
    long seed = System.nanoTime();
    BlobExpectation expected = new BlobExpectation(GeneratedContent.sha256(seed, SIZE), SIZE);

    store.put(expected, counted(new GeneratedContent(seed, SIZE)));

    assertThat(sent).containsExactly("PutObject");
    assertThat(readWhenFirstByteSent.get())
        .as("bytes taken from the client when the first went to the store")
        .isBetween(1L, SIZE - 1);
    try (InputStream stored = store.get(expected.sha256(), null).orElseThrow().stream()) {
      assertThat(GeneratedContent.sha256(stored)).isEqualTo(expected.sha256());
    }
    store.delete(expected.sha256());
  }

  @Test
  void shouldReadABlobUpToThePartSizeInFullBeforeSendingIt() throws Exception {
    long seed = System.nanoTime();
    long size = TestStorage.PART_SIZE.toBytes();
    BlobExpectation expected = new BlobExpectation(GeneratedContent.sha256(seed, size), size);

    store.put(expected, counted(new GeneratedContent(seed, size)));

    assertThat(sent).containsExactly("PutObject");
    assertThat(readWhenFirstByteSent.get()).isEqualTo(size);
    assertThat(store.exists(expected.sha256())).isTrue();
    store.delete(expected.sha256());
  }

  @Test
  void shouldLeaveNothingWhenTheDigestIsNotTheDeclaredOne() {
    long seed = System.nanoTime();
    BlobExpectation declared = new BlobExpectation(GeneratedContent.sha256(seed + 1, SIZE), SIZE);

    assertThatThrownBy(() -> store.put(declared, counted(new GeneratedContent(seed, SIZE))))
        .isInstanceOfSatisfying(
            ContentMismatchException.class,
            e -> assertThat(e.mismatch()).isEqualTo(Mismatch.DIGEST));

    assertThat(sent).as("one attempt, not retried").containsExactly("PutObject");
    assertNothingStoredFor(declared.sha256());
  }

  @ParameterizedTest(name = "{0} bytes sent")
  @ValueSource(longs = {SIZE - 1, SIZE + 1})
  void shouldLeaveNothingWhenAnotherSizeArrivesThanDeclared(long sentSize) throws Exception {
    long seed = System.nanoTime();
    BlobExpectation declared = new BlobExpectation(GeneratedContent.sha256(seed, SIZE), SIZE);

    assertThatThrownBy(() -> store.put(declared, new GeneratedContent(seed, sentSize)))
        .isInstanceOfSatisfying(
            ContentMismatchException.class, e -> assertThat(e.mismatch()).isEqualTo(Mismatch.SIZE));

    assertNothingStoredFor(declared.sha256());
  }

  @Test
  void shouldLeaveNothingWhenTheClientGoesAwayHalfWay() throws Exception {
    long seed = System.nanoTime();
    BlobExpectation declared = new BlobExpectation(GeneratedContent.sha256(seed, SIZE), SIZE);
    InputStream brokenOff = CutBody.failingAfter(new GeneratedContent(seed, SIZE), SIZE / 2);

    assertThatThrownBy(() -> store.put(declared, brokenOff))
        .isInstanceOf(UploadInterruptedException.class);

    assertNothingStoredFor(declared.sha256());
  }

  private void assertNothingStoredFor(String sha256) {
    assertThat(store.exists(sha256)).isFalse();
    StoreAssertions.assertNoObjectsSettle(() -> objectsUnder(BlobStore.objectKey(sha256)));
  }

  private List<String> objectsUnder(String prefix) {
    return s3.listObjectsV2(b -> b.bucket(TestStorage.bucket()).prefix(prefix)).contents().stream()
        .map(S3Object::key)
        .toList();
  }

  /** Records each request the store is sent, and how much the client had sent at its first byte. */
  private S3Client client() {
    ExecutionInterceptor recorder =
        new ExecutionInterceptor() {
          @Override
          public void beforeTransmission(
              Context.BeforeTransmission context, ExecutionAttributes attributes) {
            sent.add(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME));
          }

          @Override
          public Optional<RequestBody> modifyHttpContent(
              Context.ModifyHttpRequest context, ExecutionAttributes attributes) {
            return context
                .requestBody()
                .map(
                    body ->
                        RequestBody.fromContentProvider(
                            () -> noteFirstByte(body.contentStreamProvider().newStream()),
                            body.optionalContentLength().orElseThrow(),
                            body.contentType()));
          }
        };
    return S3StorageConfiguration.clientBuilder(
            TestStorage.properties(signPayload(), null, SINGLE_PUT_MAX))
        .overrideConfiguration(o -> o.addExecutionInterceptor(recorder))
        .build();
  }

  /** Notes how much the client had sent when the store was sent its first byte. */
  private InputStream noteFirstByte(InputStream body) {
    return onRead(body, n -> readWhenFirstByteSent.compareAndSet(-1, read.get()));
  }

  /** Counts what the store reads from the client. */
  private InputStream counted(InputStream in) {
    return onRead(in, read::addAndGet);
  }

  private static InputStream onRead(InputStream in, IntConsumer bytesRead) {
    return new FilterInputStream(in) {
      @Override
      public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = super.read(buffer, offset, length);
        if (n > 0) {
          bytesRead.accept(n);
        }
        return n;
      }
    };
  }
}
