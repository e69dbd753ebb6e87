package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pt2cache.blob.ContentMismatchException.Mismatch;
import dev.pt2cache.support.Fixtures;
import java.io.ByteArrayInputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class VerifyingReaderTest {

  final byte[] content = Fixtures.GPT2.bytes();
  final BlobExpectation expected =
      new BlobExpectation(Fixtures.GPT2.sha256(), Fixtures.GPT2.size());

  @Test
  void shouldAcceptTheDeclaredBytes() {
    assertThatCode(() -> VerifyingReader.verify(new ByteArrayInputStream(content), expected))
        .doesNotThrowAnyException();
  }

  @Test
  void shouldRefuseOtherBytesOfTheSameSize() {
    byte[] tampered = content.clone();
    tampered[1000] ^= 1;
    assertThatThrownBy(() -> VerifyingReader.verify(new ByteArrayInputStream(tampered), expected))
        .isInstanceOfSatisfying(ContentMismatchException.class, e -> mismatch(e, Mismatch.DIGEST));
  }

  @Test
  void shouldRefuseFewerBytes() {
    byte[] shorter = Arrays.copyOf(content, content.length - 1);
    assertThatThrownBy(() -> VerifyingReader.verify(new ByteArrayInputStream(shorter), expected))
        .isInstanceOfSatisfying(ContentMismatchException.class, e -> mismatch(e, Mismatch.SIZE));
  }

  @Test
  void shouldRefuseMoreBytes() {
    byte[] longer = Arrays.copyOf(content, content.length + 1);
    assertThatThrownBy(() -> VerifyingReader.verify(new ByteArrayInputStream(longer), expected))
        .isInstanceOfSatisfying(ContentMismatchException.class, e -> mismatch(e, Mismatch.SIZE));
  }

  private static void mismatch(ContentMismatchException e, Mismatch expected) {
    org.assertj.core.api.Assertions.assertThat(e.mismatch()).isEqualTo(expected);
  }
}
