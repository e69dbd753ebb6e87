package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * One object has one version whichever request gave it: a listing's ETag without quotes (as some
 * S3-compatible stores give it, NetApp ONTAP among them) and a {@code HEAD}'s with them, or a
 * listing's Last-Modified in milliseconds and a header's in seconds. Unit test of pure logic.
 */
class ObjectVersionTest {

  private final Instant listed = Instant.parse("2026-12-04T10:15:30.456Z");
  private final Instant header = Instant.parse("2026-12-04T10:15:30Z");

  @Test
  void shouldGiveOneObjectOneVersionWhetherItsEtagIsQuotedOrNot() {
    String fromHead = BlobObjects.version("\"9b2cf535f27731c974343645a3985328\"", header);

    assertThat(BlobObjects.version("9b2cf535f27731c974343645a3985328", listed)).isEqualTo(fromHead);
    assertThat(BlobObjects.version("W/\"9b2cf535f27731c974343645a3985328\"", listed))
        .isEqualTo(fromHead);
  }

  @Test
  void shouldTellAnotherWriteApart() {
    assertThat(BlobObjects.version("\"abc-2\"", header))
        .isNotEqualTo(BlobObjects.version("\"abc-3\"", header))
        .isNotEqualTo(BlobObjects.version("\"abc-2\"", header.plusSeconds(1)));
  }
}
