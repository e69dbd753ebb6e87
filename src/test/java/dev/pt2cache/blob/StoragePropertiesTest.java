package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

class StoragePropertiesTest {

  @Test
  void shouldRefuseASinglePutLargerThanS3Takes() {
    assertThatThrownBy(() -> withSinglePutMax(DataSize.ofGigabytes(6)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("single-put-max");
  }

  @Test
  void shouldTakeS3sOwnLimit() {
    withSinglePutMax(StorageProperties.MAX_SINGLE_PUT);
  }

  @Test
  void shouldRefuseAConnectionWaitOfZeroWhichTheHttpClientReadsAsForEver() {
    assertThatThrownBy(() -> with(StorageProperties.MAX_SINGLE_PUT, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("connection-wait");
  }

  private static StorageProperties withSinglePutMax(DataSize singlePutMax) {
    return with(singlePutMax, Duration.ofSeconds(10));
  }

  private static StorageProperties with(DataSize singlePutMax, Duration connectionWait) {
    return new StorageProperties(
        null,
        "us-east-1",
        "pt2cache",
        null,
        null,
        false,
        false,
        DataSize.ofMegabytes(8),
        128,
        connectionWait,
        16,
        singlePutMax,
        false,
        Duration.ofSeconds(5));
  }
}
