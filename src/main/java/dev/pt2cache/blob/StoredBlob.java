package dev.pt2cache.blob;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A blob whose bytes are in the store and were verified: one row per distinct content. */
@Entity
@Table(name = "blob")
public class StoredBlob {

  @Id
  @Column(name = "sha256")
  private String sha256;

  @Column(name = "size_bytes", nullable = false)
  private long sizeBytes;

  @Column(name = "created_at", nullable = false, insertable = false, updatable = false)
  private Instant createdAt;

  @Column(name = "last_referenced_at", nullable = false, insertable = false)
  private Instant lastReferencedAt;

  protected StoredBlob() {}

  public String sha256() {
    return sha256;
  }

  public long sizeBytes() {
    return sizeBytes;
  }

  public Instant createdAt() {
    return createdAt;
  }

  public Instant lastReferencedAt() {
    return lastReferencedAt;
  }
}
