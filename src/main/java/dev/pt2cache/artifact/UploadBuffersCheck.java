package dev.pt2cache.artifact;

import dev.pt2cache.blob.StorageProperties;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;

/**
 * Refuses to start where the part buffers of uploads writing at once cannot fit the heap. Each
 * upload permit ({@code PT2CACHE_S3_MAX_CONCURRENT_PUTS}) holds a part buffer, and a part is {@code
 * PT2CACHE_S3_PART_SIZE}, or larger for an upload that would otherwise need more than S3's 10,000
 * parts (the largest, {@code PT2CACHE_MAX_ARTIFACT_SIZE}, needs its ten-thousandth). Where that
 * many buffers are more than the JVM's whole heap, a busy instance runs out of memory: it started
 * with {@code PT2CACHE_S3_MAX_CONCURRENT_PUTS=2147483647}, whose doubled count of upload
 * connections wrapped round to -2, or with 10,000 puts of 5GB parts. Two records' settings, so
 * checked here, once both are bound.
 */
@Component
class UploadBuffersCheck {

  UploadBuffersCheck(UploadProperties uploads, StorageProperties storage) {
    long heap = Runtime.getRuntime().maxMemory();
    // both under 2^31 (UploadProperties bounds the largest part), so the product fits a long
    long part = storage.partFor(uploads.maxArtifactSize().toBytes());
    if (storage.maxConcurrentPuts() * part > heap) {
      throw new IllegalStateException(
          ("PT2CACHE_S3_MAX_CONCURRENT_PUTS (%d) part buffers of %s each (PT2CACHE_S3_PART_SIZE,"
                  + " or PT2CACHE_MAX_ARTIFACT_SIZE %s over S3's 10,000 parts) are more than this"
                  + " JVM's heap (%s): lower them, or give the JVM more heap (-Xmx)")
              .formatted(
                  storage.maxConcurrentPuts(),
                  DataSize.ofBytes(part),
                  uploads.maxArtifactSize(),
                  DataSize.ofBytes(heap)));
    }
  }
}
