package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pt2cache.support.Fixtures;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/** What a download streams through: the recorded content passes, any other is never whole. */
class VerifyingStreamTest {

  static class Damaged extends RuntimeException {}

  final byte[] content = Fixtures.randomBytes(300_000);
  final String sha256 = Fixtures.sha256(content);

  @Test
  void shouldPassTheRecordedContentWhole() throws IOException {
    assertThat(verifying(content).readAllBytes()).isEqualTo(content);
  }

  @Test
  void shouldNeverHandOverTheLastBytesOfOtherContent() {
    byte[] damaged = content.clone();
    damaged[123_456] ^= 1;
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    InputStream in = verifying(damaged);

    assertThatThrownBy(() -> in.transferTo(received)).isInstanceOf(Damaged.class);
    assertThat(received.size()).as("bytes handed over").isLessThan(content.length);
  }

  @Test
  void shouldKeepRefusingAfterItRefused() {
    byte[] damaged = content.clone();
    damaged[0] ^= 1;
    InputStream in = verifying(damaged);
    assertThatThrownBy(in::readAllBytes).isInstanceOf(Damaged.class);

    // a reader that goes on must not see -1, which reads as a clean end of the content
    assertThatThrownBy(() -> in.read(new byte[10], 0, 10)).isInstanceOf(Damaged.class);
    assertThatThrownBy(in::read).isInstanceOf(Damaged.class);
  }

  @Test
  void shouldRefuseMoreBytesThanRecorded() {
    byte[] longer = new byte[content.length + 1];
    System.arraycopy(content, 0, longer, 0, content.length);
    assertThatThrownBy(() -> verifying(longer).readAllBytes()).isInstanceOf(Damaged.class);
  }

  @Test
  void shouldHashWhatItSkips() throws IOException {
    byte[] damaged = content.clone();
    damaged[10] ^= 1;
    InputStream in = verifying(damaged);
    assertThat(in.skip(100)).isEqualTo(100);
    assertThatThrownBy(in::readAllBytes).isInstanceOf(Damaged.class);
  }

  private InputStream verifying(byte[] stored) {
    return new VerifyingStream(
        new ByteArrayInputStream(stored), sha256, content.length, Damaged::new);
  }
}
