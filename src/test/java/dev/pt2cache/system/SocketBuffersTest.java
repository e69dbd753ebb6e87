package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

class SocketBuffersTest {

  /** Tomcat takes a write buffer of 0 bytes and then never gets a response out. */
  @Test
  void shouldRefuseAWriteBufferTooSmallToWriteThrough() {
    assertThatThrownBy(() -> new SocketBuffers(DataSize.ofBytes(0)))
        .hasMessageContaining("PT2CACHE_HTTP_SOCKET_WRITE_BUFFER");
    new SocketBuffers(SocketBuffers.MIN_WRITE_BUFFER);
  }

  /**
   * Set empty ({@code PT2CACHE_HTTP_SOCKET_WRITE_BUFFER=}), it failed on a null, naming nothing.
   */
  @Test
  void shouldRefuseAnEmptyWriteBufferNamingTheSetting() {
    assertThatThrownBy(() -> new SocketBuffers(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PT2CACHE_HTTP_SOCKET_WRITE_BUFFER");
  }
}
