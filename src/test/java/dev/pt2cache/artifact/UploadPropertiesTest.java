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
    assertThatThrownBy(() -> new UploadProperties(DataSize.ofBytes(0), GB, HOUR, 8, Duration.ZERO))
        .hasMessageContaining("PT2CACHE_MAX_ARTIFACT_SIZE");
    assertThatThrownBy(() -> new UploadProperties(GB, DataSize.ofBytes(0), HOUR, 8, Duration.ZERO))
        .hasMessageContaining("PT2CACHE_MAX_ENTRY_SIZE");
    assertThatThrownBy(() -> new UploadProperties(GB, GB, HOUR.negated(), 8, Duration.ZERO))
        .hasMessageContaining("PT2CACHE_RESERVATION_TTL");
    assertThatThrownBy(() -> new UploadProperties(GB, GB, HOUR, 0, Duration.ZERO))
        .hasMessageContaining("PT2CACHE_MAX_CONCURRENT_SPOOLS");
    assertThatThrownBy(() -> new UploadProperties(GB, GB, HOUR, 8, Duration.ofMinutes(-10)))
        .hasMessageContaining("PT2CACHE_UPLOAD_LEASE");
  }

  @Test
  void shouldTakeNoLeaseAsNone() {
    org.assertj.core.api.Assertions.assertThat(
            new UploadProperties(GB, GB, HOUR, 8, Duration.ZERO).leases())
        .isFalse();
  }
}
