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

  @Test
  void shouldRefuseAPartSizeS3WouldRefuseWhenTheUploadCompletes() {
    for (DataSize part : new DataSize[] {DataSize.ofMegabytes(1), DataSize.ofGigabytes(6)}) {
      assertThatThrownBy(
              () -> with(part, 128, StorageProperties.MAX_SINGLE_PUT, Duration.ofSeconds(10)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("PT2CACHE_S3_PART_SIZE");
    }
    with(DataSize.ofMegabytes(5), 128, StorageProperties.MAX_SINGLE_PUT, Duration.ofSeconds(10));
  }

  @Test
  void shouldRefuseNoConnectionsAndANegativeSinglePut() {
    assertThatThrownBy(
            () ->
                with(
                    DataSize.ofMegabytes(8),
                    0,
                    StorageProperties.MAX_SINGLE_PUT,
                    Duration.ofSeconds(10)))
        .hasMessageContaining("PT2CACHE_S3_MAX_CONNECTIONS");
    assertThatThrownBy(() -> withSinglePutMax(DataSize.ofBytes(-1)))
        .hasMessageContaining("PT2CACHE_S3_SINGLE_PUT_MAX");
  }

  private static StorageProperties withSinglePutMax(DataSize singlePutMax) {
    return with(singlePutMax, Duration.ofSeconds(10));
  }

  private static StorageProperties with(DataSize singlePutMax, Duration connectionWait) {
    return with(DataSize.ofMegabytes(8), 128, singlePutMax, connectionWait);
  }

  private static StorageProperties with(
      DataSize partSize, int maxConnections, DataSize singlePutMax, Duration connectionWait) {
    return new StorageProperties(
        null,
        "us-east-1",
        "pt2cache",
        null,
        null,
        false,
        false,
        partSize,
        maxConnections,
        connectionWait,
        16,
        singlePutMax,
        false,
        Duration.ofSeconds(5),
        Duration.ofSeconds(60),
        false);
  }
}
