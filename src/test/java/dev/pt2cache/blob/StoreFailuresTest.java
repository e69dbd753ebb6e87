package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.SocketTimeoutException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;

class StoreFailuresTest {

  @Test
  void shouldCallAnythingElseAStoreFailure() {
    SdkClientException timedOut =
        SdkClientException.create("Read timed out", new SocketTimeoutException("Read timed out"));

    assertThat(StoreFailures.of("reading blob x", timedOut))
        .isInstanceOf(StorageUnavailableException.class)
        .hasMessage("reading blob x failed")
        .hasCause(timedOut);
  }
}
