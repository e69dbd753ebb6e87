package dev.pt2cache.artifact;

import dev.pt2cache.blob.StorageProperties;
import dev.pt2cache.system.StartRefusedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;

/**
 * Refuses to start where the part buffers of uploads writing at once cannot fit the heap. Each
 * upload permit ({@code PT2CACHE_S3_MAX_CONCURRENT_PUTS}) holds a part buffer, and a part is {@code
 * PT2CACHE_S3_PART_SIZE}, or larger for an upload that would otherwise need more than S3's 10,000
 * parts (the largest, {@code PT2CACHE_MAX_ARTIFACT_SIZE}, needs its ten-thousandth). Where that
 * many buffers are more than the JVM's whole heap, a busy instance runs out of memory: it started
 * with {@code PT2CACHE_S3_MAX_CONCURRENT_PUTS=2147483647}, whose doubled count of upload
 * connections wrapped round to -2, or with 10,000 puts of 5GB parts. Only the part size counts for
 * all of them: parts larger than it are taken by uploads over 10,000 parts only, so that many of
 * those beyond the heap is said with a warning at start (refused, it stopped instances that ran:
 * {@code PT2CACHE_MAX_ARTIFACT_SIZE=5TB}, AWS S3's largest object, under any heap below 8.8 GB with
 * the default 16 permits; and a largest artifact taken as its largest, 19990GB, has parts of
 * 2047MB, more than many heaps alone). Two records' settings, so checked here, once both are bound.
 *
 * <p>It counts the part buffers only, not the heads of bodies read before their permit, which may
 * take as much again (their {@code ByteBudget} is {@code PT2CACHE_S3_MAX_CONCURRENT_PUTS} times
 * {@code PT2CACHE_S3_PART_SIZE}, never more than the part buffers; docs/adr/0036). The check
 * refuses settings that cannot work at all, not a heap that is merely tight: a heap wholly given to
 * buffers fails as surely as one given twice over, and nearness to the heap is the operator's (ADR
 * 0025; docs/sizing.md asks 512 MB for the defaults under load). Counting both would move that line
 * by at most a factor of two and would refuse the defaults (16 of 8 MB, twice: 256 MiB) where the
 * benchmarks and {@code StreamingLimitTest} run them, in {@code -Xmx256m}, whenever the JVM reports
 * less heap than that: 259,522,560 bytes on one CPU (the serial collector keeps a survivor space
 * out), 257,425,408 with the parallel one, and 262,144,000 in the image ({@code
 * MaxRAMPercentage=65}) given 384 MiB; only G1 reports the full 268,435,456.
 */
@Component
class UploadBuffersCheck {

  private static final Logger log = LoggerFactory.getLogger(UploadBuffersCheck.class);

  UploadBuffersCheck(UploadProperties uploads, StorageProperties storage) {
    long heap = Runtime.getRuntime().maxMemory();
    int puts = storage.maxConcurrentPuts();
    // both under 2^31 (UploadProperties bounds the largest part), so the products fit a long
    long part = storage.partSize().toBytes();
    long largest = storage.partFor(uploads.maxArtifactSize().toBytes());
    if (puts * part > heap) {
      throw new StartRefusedException(
          ("PT2CACHE_S3_MAX_CONCURRENT_PUTS (%d) part buffers of %s each (PT2CACHE_S3_PART_SIZE,"
                  + " or PT2CACHE_MAX_ARTIFACT_SIZE %s over S3's 10,000 parts) are more than this"
                  + " JVM's heap (%s):")
              .formatted(
                  puts, DataSize.ofBytes(part), uploads.maxArtifactSize(), DataSize.ofBytes(heap)),
          "lower them, or give the JVM more heap (-Xmx).");
    }
    if (puts * largest > heap) {
      // only uploads over 10,000 parts take parts this large: refusing to start where that many at
      // once would not fit stopped instances that ran (a rolling upgrade), so it is said instead
      log.warn(
          "PT2CACHE_S3_MAX_CONCURRENT_PUTS ({}) uploads near PT2CACHE_MAX_ARTIFACT_SIZE ({}) at"
              + " once would hold parts of {} each (its size over S3's 10,000 parts), more than"
              + " this JVM's heap ({}): lower them, or give the JVM more heap (-Xmx)",
          puts,
          uploads.maxArtifactSize(),
          DataSize.ofBytes(largest),
          DataSize.ofBytes(heap));
    }
  }
}
