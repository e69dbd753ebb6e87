package dev.pt2cache.artifact;

import dev.pt2cache.blob.BlobExpectation;
import dev.pt2cache.blob.BlobStore;
import dev.pt2cache.blob.ContentMismatchException;
import dev.pt2cache.blob.StoredBlobs;
import dev.pt2cache.blob.UploadInterruptedException;
import dev.pt2cache.blob.VerifyingReader;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import org.springframework.stereotype.Component;

/**
 * An upload's bytes on their way in: written to the store while they are verified, or only verified
 * against a copy the store holds already, and counted either way. It exists apart from {@link
 * UploadService} because what is done with the bytes (dedup, storing a lost copy again, the {@code
 * pt2cache.uploads.content} counter) changes for reasons of the store, not of the upload's steps;
 * it reads the blob table (whether content is recorded) but writes no row and opens no transaction
 * (docs/adr/0003: no transaction is open while bytes stream). Its lines are logged under {@code
 * UploadService}'s logger, as they were before the split, so that one {@code logging.level} setting
 * still covers the upload path.
 */
@Component
class UploadBytes {

  private final StoredBlobs blobs;
  private final BlobStore store;
  private final TransferMetrics metrics;
  private final Counter deduplicated;
  private final Counter stored;

  UploadBytes(StoredBlobs blobs, BlobStore store, TransferMetrics metrics, MeterRegistry registry) {
    this.blobs = blobs;
    this.store = store;
    this.metrics = metrics;
    this.deduplicated = contentCounter(registry, "deduplicated");
    this.stored = contentCounter(registry, "stored");
  }

  private static Counter contentCounter(MeterRegistry registry, String outcome) {
    return Counter.builder("pt2cache.uploads.content")
        .description(
            "Uploads whose content was already stored (deduplicated) or was stored by them")
        .tag("outcome", outcome)
        .register(registry);
  }

  /**
   * Stores the verified bytes, or only verifies them against a copy already stored; answers whether
   * they were written.
   */
  boolean write(String namespace, BlobExpectation content, InputStream body, boolean copyStored) {
    try {
      if (copyStored) {
        // stored already (perhaps for another namespace): prove the client has the bytes, keep
        // one copy
        VerifyingReader.verify(body, content);
        deduplicated.increment();
        return false;
      }
      store.put(content, body, namespace);
      stored.increment();
      return true;
    } catch (IOException e) {
      throw new UploadInterruptedException(e);
    } catch (ContentMismatchException e) {
      UploadService.log.warn("upload rejected: {}", e.getMessage());
      throw e;
    }
  }

  /**
   * Reads a body whose content a ready artifact holds: verified against the stored copy, or, where
   * the store lost that copy (a bucket restored from an older copy, a lifecycle rule, a deletion by
   * hand), verified and stored again, so that the ready artifact the answer vouches for is served
   * instead of retired by the next download (docs/adr/0003, amendment of 2026-12-06). One HEAD; the
   * ready artifact keeps housekeeping off the digest, so no lock is needed to write it.
   */
  void verifyOrStoreAgain(String namespace, BlobExpectation content, InputStream body) {
    if (store.exists(content.sha256())) {
      verifyOnly(namespace, content, body);
      return;
    }
    UploadService.log.warn(
        "content {} of a ready artifact was missing from storage: storing it again from this upload",
        content.sha256());
    write(namespace, content, metrics.countIn(namespace, body), false);
  }

  /** Reads a body that is not stored, only checked; its bytes crossed the API all the same. */
  private void verifyOnly(String namespace, BlobExpectation content, InputStream body) {
    try {
      VerifyingReader.verify(metrics.countIn(namespace, body), content);
    } catch (IOException e) {
      throw new UploadInterruptedException(e);
    } catch (ContentMismatchException e) {
      UploadService.log.warn("upload rejected: {}", e.getMessage());
      throw e;
    }
  }

  /** Whether the store holds this content, as its metadata says and the store confirms. */
  boolean inStore(BlobExpectation content) {
    return blobs.isRecorded(content.sha256()) && store.exists(content.sha256());
  }
}
