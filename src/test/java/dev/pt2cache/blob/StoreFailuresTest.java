package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.SocketTimeoutException;
import org.apache.http.conn.ConnectionPoolTimeoutException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;

class StoreFailuresTest {

  @Test
  void shouldCallAFullConnectionPoolBusyNotAStoreFailure() {
    SdkClientException waited =
        SdkClientException.create(
            "Unable to execute HTTP request: Timeout waiting for connection from pool",
            new ConnectionPoolTimeoutException("Timeout waiting for connection from pool"));

    assertThat(StoreFailures.of("reading blob x", waited))
        .isInstanceOf(StorageBusyException.class)
        .hasCause(waited);
  }

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
