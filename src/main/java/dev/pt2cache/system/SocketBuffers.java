package dev.pt2cache.system;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;

/**
 * The buffer through which Tomcat writes a connection's responses to its socket, one write system
 * call per buffer: Tomcat's own 8 KiB made a 64 MiB download 8,200 writes. Each open connection
 * holds one (docs/adr/0010).
 */
@Component
class SocketBuffers implements WebServerFactoryCustomizer<TomcatServletWebServerFactory> {

  static final DataSize MIN_WRITE_BUFFER = DataSize.ofKilobytes(1);

  /** Tomcat reads the buffer's size as an int: over it, it refused in words naming no setting. */
  static final DataSize MAX_WRITE_BUFFER = DataSize.ofMegabytes(2047);

  /** The bounds above as refusals name them. */
  static final String BOUNDS = "from 1KB to 2047MB";

  private final DataSize writeBuffer;

  SocketBuffers(@Value("${pt2cache.http.socket-write-buffer}") DataSize writeBuffer) {
    // SettingsCheck refuses it first, with every other wrong setting; this holds where it did not
    // run
    if (!fits(writeBuffer)) {
      throw new IllegalArgumentException(
          "pt2cache.http.socket-write-buffer (PT2CACHE_HTTP_SOCKET_WRITE_BUFFER) must be "
              + BOUNDS
              + ", not "
              + (writeBuffer == null ? "empty" : writeBuffer));
    }
    this.writeBuffer = writeBuffer;
  }

  /** Within the bounds: Tomcat takes 0 and then never gets a response out, spinning a core. */
  static boolean fits(DataSize writeBuffer) {
    return writeBuffer != null
        && writeBuffer.toBytes() >= MIN_WRITE_BUFFER.toBytes()
        && writeBuffer.toBytes() <= MAX_WRITE_BUFFER.toBytes();
  }

  @Override
  public void customize(TomcatServletWebServerFactory factory) {
    factory.addConnectorCustomizers(
        connector -> {
          // Tomcat ignores a property it does not know; a silent no-op must not pass for tuning
          if (!connector.setProperty(
              "socket.appWriteBufSize", Long.toString(writeBuffer.toBytes()))) {
            throw new IllegalStateException("Tomcat refused socket.appWriteBufSize");
          }
        });
  }
}
