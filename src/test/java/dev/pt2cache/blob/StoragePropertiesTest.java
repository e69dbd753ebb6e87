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

  private static StorageProperties withSinglePutMax(DataSize singlePutMax) {
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
        Duration.ofSeconds(10),
        16,
        singlePutMax,
        false);
  }
}
