package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pt2cache.blob.ContentMismatchException.Mismatch;
import dev.pt2cache.support.DockerWhenContainers;
import dev.pt2cache.support.GeneratedContent;
import dev.pt2cache.support.StoreAssertions;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.util.unit.DataSize;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * An upload larger than a part reads its first part on its own before it takes a permit (ADR 0036),
 * then sends it ahead of the rest: the whole body is still verified, digest and size, whichever way
 * it goes to the store, and every failure gives back the heap and the permit it held.
 */
@ExtendWith(DockerWhenContainers.class)
@Tag("integration")
class WholeBodyVerifiedTest {

  private static final long SIZE = 12L << 20;
  private static final long PART = TestStorage.PART_SIZE.toBytes();

  /** The two ways a body over the part size goes to the store. */
  enum Way {
    STREAMED(DataSize.ofMegabytes(16)),
    MULTIPART(DataSize.ofBytes(0));

    final DataSize singlePutMax;

    Way(DataSize singlePutMax) {
      this.singlePutMax = singlePutMax;
    }
  }

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private S3Client s3;
  private S3BlobStore store;

  @BeforeAll
  static void bucketExists() {
    TestStorage.createBucket();
  }

  @AfterEach
  void close() {
    store.close();
    s3.close();
  }

  @ParameterizedTest
  @EnumSource(Way.class)
  void shouldRefuseABodyWhoseFirstPartIsRightAndWhoseRestIsNot(Way way) {
    long seed = open(way);
    BlobExpectation declared = new BlobExpectation(GeneratedContent.sha256(seed, SIZE), SIZE);
    InputStream tailChanged = flippingByteAt(new GeneratedContent(seed, SIZE), PART + 4321);

    assertThatThrownBy(() -> store.put(declared, tailChanged))
        .isInstanceOfSatisfying(
            ContentMismatchException.class,
            e -> assertThat(e.mismatch()).isEqualTo(Mismatch.DIGEST));

    assertNothingStoredNorHeld(declared.sha256());
  }

  @ParameterizedTest
  @EnumSource(Way.class)
  void shouldRefuseABodyOneByteShort(Way way) {
    assertSizeRefused(way, SIZE - 1);
  }

  @ParameterizedTest
  @EnumSource(Way.class)
  void shouldRefuseABodyOneByteLong(Way way) {
    assertSizeRefused(way, SIZE + 1);
  }

  @ParameterizedTest
  @EnumSource(Way.class)
  void shouldGiveBackWhatItHeldWhenTheClientGoesAwayAfterItsFirstPart(Way way) {
    long seed = open(way);
    BlobExpectation declared = new BlobExpectation(GeneratedContent.sha256(seed, SIZE), SIZE);

    assertThatThrownBy(
            () ->
                store.put(
                    declared, CutBody.failingAfter(new GeneratedContent(seed, SIZE), PART + 1)))
        .isInstanceOf(UploadInterruptedException.class);

    assertNothingStoredNorHeld(declared.sha256());
  }

  @ParameterizedTest
  @EnumSource(Way.class)
  void shouldStoreTheRightBodyAndGiveBackWhatItHeld(Way way) throws IOException {
    long seed = open(way);
    BlobExpectation declared = new BlobExpectation(GeneratedContent.sha256(seed, SIZE), SIZE);

    store.put(declared, new GeneratedContent(seed, SIZE));

    try (InputStream stored = store.get(declared.sha256(), null).orElseThrow().stream()) {
      assertThat(GeneratedContent.sha256(stored)).isEqualTo(declared.sha256());
    }
    assertNothingHeld();
    store.delete(declared.sha256());
  }

  private void assertSizeRefused(Way way, long sent) {
    long seed = open(way);
    BlobExpectation declared = new BlobExpectation(GeneratedContent.sha256(seed, SIZE), SIZE);

    assertThatThrownBy(() -> store.put(declared, new GeneratedContent(seed, sent)))
        .isInstanceOfSatisfying(
            ContentMismatchException.class, e -> assertThat(e.mismatch()).isEqualTo(Mismatch.SIZE));

    assertNothingStoredNorHeld(declared.sha256());
  }

  /** A store for this way, its gauges in {@link #registry}; answers a fresh content seed. */
  private long open(Way way) {
    StorageProperties properties = TestStorage.properties(false, null, way.singlePutMax);
    s3 = S3StorageConfiguration.clientBuilder(properties).build();
    store = new S3BlobStore(StoreClients.sharing(s3), properties);
    store.bindTo(registry);
    return System.nanoTime();
  }

  private void assertNothingStoredNorHeld(String sha256) {
    assertThat(store.exists(sha256)).isFalse();
    StoreAssertions.assertNoObjectsSettle(
        () ->
            s3
                .listObjectsV2(
                    b -> b.bucket(TestStorage.bucket()).prefix(BlobStore.objectKey(sha256)))
                .contents()
                .stream()
                .map(o -> o.key())
                .toList());
    assertNothingHeld();
  }

  private void assertNothingHeld() {
    assertThat(registry.get("pt2cache.store.uploads.buffered").gauge().value())
        .as("heap held by bodies")
        .isZero();
    assertThat(registry.get("pt2cache.store.uploads.permits.used").gauge().value())
        .as("upload permits held")
        .isZero();
  }

  private static InputStream flippingByteAt(InputStream in, long offset) {
    return new FilterInputStream(in) {
      long passed;

      @Override
      public int read(byte[] buffer, int from, int length) throws IOException {
        int n = super.read(buffer, from, length);
        if (n > 0 && offset >= passed && offset < passed + n) {
          buffer[from + (int) (offset - passed)] ^= 0x5a;
        }
        passed += Math.max(n, 0);
        return n;
      }
    };
  }
}
