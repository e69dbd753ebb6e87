package dev.pt2cache.blob;

import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * The blob table as the features see it: which contents the store holds, verified, by digest. The
 * repository stays in this package, so that the table has one owner, as each feature's own has.
 */
@Component
public class StoredBlobs {

  private final StoredBlobRepository blobs;

  StoredBlobs(StoredBlobRepository blobs) {
    this.blobs = blobs;
  }

  /**
   * Records that the content is stored, or touches it when it already was: a blob referenced again
   * is not collected before its grace period has passed anew. Joins the caller's transaction.
   */
  public void recordStored(String sha256, long size) {
    blobs.recordStored(sha256, size);
  }

  /** Whether the table records this content as stored (its object may still be gone). */
  public boolean isRecorded(String sha256) {
    return blobs.existsById(sha256);
  }

  /** The size the table records for this content, or empty when it records none. */
  public Optional<Long> recordedSize(String sha256) {
    return blobs.findById(sha256).map(StoredBlob::sizeBytes);
  }
}
