package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;
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

  /**
   * The control calls' pool wait (a commit's existence check, ADR 0014) is the connection wait, but
   * never over half the control timeout: the default 10 s wait on a full control pool would hold a
   * commit twice the 5 s the control call may take before it answers storage-busy.
   */
  @Test
  void shouldWaitForAControlConnectionAtMostHalfTheControlTimeout() {
    assertThat(
            with(StorageProperties.MAX_SINGLE_PUT, Duration.ofSeconds(10)).controlConnectionWait())
        .isEqualTo(Duration.ofMillis(2_500));
    assertThat(
            with(StorageProperties.MAX_SINGLE_PUT, Duration.ofSeconds(1)).controlConnectionWait())
        .isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void shouldRefuseAConnectionWaitOfZeroNamingTheSetting() {
    assertThatThrownBy(() -> with(StorageProperties.MAX_SINGLE_PUT, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("connection-wait");
  }

  /**
   * The SDK's HTTP client counts the pool wait in whole milliseconds: 500 µs was taken at start and
   * became no wait at all (measured on SDK 2.57.8 with HttpClient 5.6.4: the second call on a full
   * pool of one failed at once, "Timeout deadline: 0 MILLISECONDS"), and the busy outcome of the
   * store calls' metrics compared the pool's wait against 500 µs it never had.
   */
  @Test
  void shouldRefuseAConnectionWaitUnderAMillisecondWhichTheHttpClientMakesNoWait() {
    assertThatThrownBy(() -> with(StorageProperties.MAX_SINGLE_PUT, Duration.ofNanos(500_000)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PT2CACHE_S3_CONNECTION_WAIT")
        .hasMessageContaining("at least 1ms");
    assertThat(with(StorageProperties.MAX_SINGLE_PUT, Duration.ofMillis(1)).connectionWait())
        .isEqualTo(Duration.ofMillis(1));
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

  @Test
  void shouldLeaveAQuarterOfTheUploadPermitsToOtherNamespacesUnlessSet() {
    assertThat(withPuts(16, null).putsPerNamespace()).isEqualTo(12);
    assertThat(withPuts(2, null).putsPerNamespace()).isEqualTo(1);
    assertThat(withPuts(1, null).putsPerNamespace()).as("nothing to leave").isEqualTo(1);
    assertThat(withPuts(16, 16).putsPerNamespace()).isEqualTo(16);
    for (int share : new int[] {0, 17}) {
      assertThatThrownBy(() -> withPuts(16, share))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("PT2CACHE_S3_MAX_CONCURRENT_PUTS_PER_NAMESPACE");
    }
  }

  private static StorageProperties withPuts(int puts, Integer perNamespace) {
    return with(
        DataSize.ofMegabytes(8),
        128,
        StorageProperties.MAX_SINGLE_PUT,
        Duration.ofSeconds(10),
        puts,
        perNamespace);
  }

  private static StorageProperties withSinglePutMax(DataSize singlePutMax) {
    return with(singlePutMax, Duration.ofSeconds(10));
  }

  private static StorageProperties with(DataSize singlePutMax, Duration connectionWait) {
    return with(DataSize.ofMegabytes(8), 128, singlePutMax, connectionWait);
  }

  private static StorageProperties with(
      DataSize partSize, int maxConnections, DataSize singlePutMax, Duration connectionWait) {
    return with(partSize, maxConnections, singlePutMax, connectionWait, 16, null);
  }

  private static StorageProperties with(
      DataSize partSize,
      int maxConnections,
      DataSize singlePutMax,
      Duration connectionWait,
      int puts,
      Integer perNamespace) {
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
        puts,
        singlePutMax,
        false,
        Duration.ofSeconds(5),
        Duration.ofSeconds(60),
        false,
        perNamespace,
        null);
  }
}
