package dev.pt2cache.walk;

import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;

/** A request body of known length that pauses once, halfway, so that more calls overlap it. */
final class PausingBody {

  private PausingBody() {}

  /** The bytes with their length, sent in two halves {@code pause} ms apart. */
  static BodyPublisher of(byte[] bytes, int pause) {
    if (pause == 0) {
      return BodyPublishers.ofByteArray(bytes);
    }
    return BodyPublishers.fromPublisher(
        BodyPublishers.ofInputStream(() -> new PausingStream(bytes, pause)), bytes.length);
  }

  /** A stream of the bytes that waits once, halfway. */
  private static final class PausingStream extends ByteArrayInputStream {
    private final int half;
    private final int pause;
    private boolean paused;

    PausingStream(byte[] bytes, int pause) {
      super(bytes);
      this.half = bytes.length / 2;
      this.pause = pause;
    }

    @Override
    public synchronized int read(byte[] into, int off, int len) {
      if (!paused && pos >= half) {
        paused = true;
        try {
          Thread.sleep(pause);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return super.read(into, off, paused ? len : Math.min(len, Math.max(1, half - pos)));
    }
  }
}
