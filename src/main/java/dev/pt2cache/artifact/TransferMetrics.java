package dev.pt2cache.artifact;

import dev.pt2cache.system.HitCounters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.springframework.stereotype.Component;

/**
 * Counts the bytes that cross the API, per namespace and direction, and the reads of PyTorch's
 * cache entries by their result (the lookups by descriptor count themselves).
 */
@Component
class TransferMetrics {

  private final MeterRegistry registry;
  private final HitCounters entryReads;

  TransferMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.entryReads =
        new HitCounters(
            registry,
            "pt2cache.entry.reads",
            "Reads of cache entries by key (GET .../entries), by result");
  }

  InputStream countIn(String namespace, InputStream in) {
    return new CountingStream(in, counter(namespace, "in"), CountingStream.COPY_CHUNK);
  }

  /** Content on its way out, {@code length} bytes long: copied in chunks no larger than it. */
  InputStream countOut(String namespace, InputStream in, long length) {
    int chunk = (int) Math.max(1, Math.min(length, CountingStream.COPY_CHUNK));
    return new CountingStream(in, counter(namespace, "out"), chunk);
  }

  /** A GET of an entry of a known namespace: a hit when its key holds a servable artifact. */
  void entryRead(String namespace, ArtifactKind kind, boolean hit) {
    entryReads.count(namespace, kind.wireName(), hit);
  }

  private Counter counter(String namespace, String direction) {
    return Counter.builder("pt2cache.transfer.bytes")
        .description("Artifact bytes received (in) and served (out)")
        .baseUnit("bytes")
        .tag("namespace", namespace)
        .tag("direction", direction)
        .register(registry);
  }

  private static final class CountingStream extends FilterInputStream {

    /**
     * Largest copy chunk for responses: InputStream's own is 8 KiB (16 KiB from Java 21), which
     * costs a read from the store and a write to the client per 8 KiB. Small content gets a chunk
     * of its own size: a 300-byte entry must not allocate 128 KiB.
     */
    static final int COPY_CHUNK = 128 * 1024;

    private final Counter counter;
    private final int chunk;

    CountingStream(InputStream in, Counter counter, int chunk) {
      super(in);
      this.counter = counter;
      this.chunk = chunk;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        counter.increment();
      }
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      int n = super.read(buffer, offset, length);
      if (n > 0) {
        counter.increment(n);
      }
      return n;
    }

    @Override
    public long transferTo(OutputStream out) throws IOException {
      byte[] buffer = new byte[chunk];
      long total = 0;
      int n;
      while ((n = read(buffer, 0, buffer.length)) >= 0) {
        out.write(buffer, 0, n);
        total += n;
      }
      return total;
    }
  }
}
