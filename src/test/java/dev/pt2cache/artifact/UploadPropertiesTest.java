package dev.pt2cache.artifact;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/** Limits that would refuse every upload while readiness says up are refused at start. */
class UploadPropertiesTest {

  static final DataSize GB = DataSize.ofGigabytes(1);
  static final Duration HOUR = Duration.ofHours(1);

  @Test
  void shouldRefuseLimitsThatLeaveNoUploadPossible() {
    assertThatThrownBy(
            () -> new UploadProperties(DataSize.ofBytes(0), GB, HOUR, 8, Duration.ZERO, null))
        .hasMessageContaining("PT2CACHE_MAX_ARTIFACT_SIZE");
    assertThatThrownBy(
            () -> new UploadProperties(GB, DataSize.ofBytes(0), HOUR, 8, Duration.ZERO, null))
        .hasMessageContaining("PT2CACHE_MAX_ENTRY_SIZE");
    assertThatThrownBy(() -> new UploadProperties(GB, GB, HOUR.negated(), 8, Duration.ZERO, null))
        .hasMessageContaining("PT2CACHE_RESERVATION_TTL");
    assertThatThrownBy(() -> new UploadProperties(GB, GB, HOUR, 0, Duration.ZERO, null))
        .hasMessageContaining("PT2CACHE_MAX_CONCURRENT_SPOOLS");
    assertThatThrownBy(() -> new UploadProperties(GB, GB, HOUR, 8, Duration.ofMinutes(-10), null))
        .hasMessageContaining("PT2CACHE_UPLOAD_LEASE");
    // a body the size limit admits that the spool disk could never hold
    assertThatThrownBy(
            () -> new UploadProperties(GB, GB, HOUR, 8, Duration.ZERO, DataSize.ofMegabytes(512)))
        .hasMessageContaining("PT2CACHE_SPOOL_DISK")
        .hasMessageContaining("PT2CACHE_MAX_ENTRY_SIZE");
  }

  @Test
  void shouldSizeTheSpoolDiskAsTheSlotsDidUnlessSet() {
    org.assertj.core.api.Assertions.assertThat(
            new UploadProperties(GB, GB, HOUR, 4, Duration.ZERO, null).spoolDiskBytes())
        .isEqualTo(4 * GB.toBytes());
    org.assertj.core.api.Assertions.assertThat(
            new UploadProperties(GB, GB, HOUR, 4, Duration.ZERO, DataSize.ofGigabytes(2))
                .spoolDiskBytes())
        .isEqualTo(2 * GB.toBytes());
  }

  /**
   * No entry may be larger than an artifact: a larger entry limit let such a body be spooled whole
   * before its 413, and at its largest the default spool disk (8 times it) stopped the start with
   * "long overflow", naming nothing. It is the artifact limit then, not a refusal, since an
   * instance that lowered only the artifact limit below the entry limit's default started before.
   */
  @Test
  void shouldTakeTheArtifactLimitForAnEntryLimitAboveIt() {
    UploadProperties entriesOverArtifacts =
        new UploadProperties(
            DataSize.ofMegabytes(100),
            DataSize.ofBytes(Long.MAX_VALUE),
            HOUR,
            8,
            Duration.ZERO,
            null);
    org.assertj.core.api.Assertions.assertThat(entriesOverArtifacts.maxEntrySize())
        .isEqualTo(DataSize.ofMegabytes(100));
    org.assertj.core.api.Assertions.assertThat(entriesOverArtifacts.spoolDiskBytes())
        .isEqualTo(8 * DataSize.ofMegabytes(100).toBytes());
  }

  /**
   * An upload over 10,000 parts of the largest part (2047MB, one buffer) cannot be sent: its part
   * length wrapped round as an int. A largest artifact above that is the largest that can be sent,
   * not a refusal: set far above any artifact, it worked for every upload under some 20 TB.
   */
  @Test
  void shouldTakeTheLargestSendableArtifactForALargerLimit() {
    UploadProperties unlimited =
        new UploadProperties(DataSize.ofBytes(Long.MAX_VALUE), GB, HOUR, 8, Duration.ZERO, null);
    org.assertj.core.api.Assertions.assertThat(unlimited.maxArtifactSize())
        .isEqualTo(DataSize.ofGigabytes(19990));
    org.assertj.core.api.Assertions.assertThat(
            new UploadProperties(DataSize.ofGigabytes(19990), GB, HOUR, 8, Duration.ZERO, null)
                .maxArtifactSize())
        .isEqualTo(DataSize.ofGigabytes(19990));
  }

  @Test
  void shouldTakeNoLeaseAsNone() {
    org.assertj.core.api.Assertions.assertThat(
            new UploadProperties(GB, GB, HOUR, 8, Duration.ZERO, null).leases())
        .isFalse();
  }
}
