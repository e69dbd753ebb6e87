package dev.pt2cache.artifact;

import dev.pt2cache.blob.BlobExpectation;
import dev.pt2cache.descriptor.CanonicalJson;
import dev.pt2cache.descriptor.Descriptor;
import jakarta.persistence.Column;
import jakarta.persistence.Embedded;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Transient;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.hibernate.annotations.ColumnTransformer;

/** A compiled artifact: (namespace, kind, key) pointing at a content-addressed blob. */
@Entity
@Table(name = "artifact")
public class Artifact {

  @Id private UUID id;

  @Column(nullable = false)
  private String namespace;

  @Column(nullable = false)
  private ArtifactKind kind;

  @Column(name = "cache_key", nullable = false)
  private String key;

  @Enumerated(EnumType.STRING)
  @Column(nullable = false)
  private ArtifactState state;

  @Column(nullable = false)
  private String sha256;

  @Column(name = "size_bytes", nullable = false)
  private long sizeBytes;

  /** The canonical JSON of the descriptor, exactly what the key was derived from. */
  @Column(columnDefinition = "jsonb")
  @ColumnTransformer(write = "?::jsonb")
  private String descriptor;

  @Transient private Descriptor parsedDescriptor;

  @Embedded private DescriptorColumns columns;

  @Column(name = "created_at", nullable = false)
  private Instant createdAt;

  @Column(name = "upload_expires_at")
  private Instant uploadExpiresAt;

  @Column(name = "ready_at")
  private Instant readyAt;

  @Column(name = "last_hit_at")
  private Instant lastHitAt;

  @Column(name = "hit_count", nullable = false)
  private long hitCount;

  @Column(name = "invalidated_at")
  private Instant invalidatedAt;

  @Column(name = "invalidation_id")
  private UUID invalidationId;

  @Column(name = "evicted_at")
  private Instant evictedAt;

  @Enumerated(EnumType.STRING)
  @Column(name = "eviction_reason")
  private EvictionReason evictionReason;

  protected Artifact() {}

  static Artifact pending(
      String namespace,
      ArtifactKind kind,
      String key,
      Descriptor descriptor,
      BlobExpectation content,
      Duration reservation) {
    Artifact a = new Artifact();
    a.id = UUID.randomUUID();
    a.namespace = namespace;
    a.kind = kind;
    a.key = key;
    a.state = ArtifactState.PENDING;
    a.sha256 = content.sha256();
    a.sizeBytes = content.sizeBytes();
    a.descriptor = descriptor == null ? null : CanonicalJson.of(descriptor);
    a.columns = DescriptorColumns.of(descriptor);
    // microseconds: what PostgreSQL keeps, so that page cursors compare exactly
    a.createdAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
    a.uploadExpiresAt = a.createdAt.plus(reservation);
    return a;
  }

  void markReady() {
    state = ArtifactState.READY;
    readyAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
    uploadExpiresAt = null;
  }

  public UUID id() {
    return id;
  }

  public String namespace() {
    return namespace;
  }

  public ArtifactKind kind() {
    return kind;
  }

  public String key() {
    return key;
  }

  public ArtifactState state() {
    return state;
  }

  public String sha256() {
    return sha256;
  }

  public long sizeBytes() {
    return sizeBytes;
  }

  public BlobExpectation content() {
    return new BlobExpectation(sha256, sizeBytes);
  }

  public Descriptor descriptor() {
    if (parsedDescriptor == null && descriptor != null) {
      parsedDescriptor = CanonicalJson.parse(descriptor, Descriptor.class);
    }
    return parsedDescriptor;
  }

  public Instant createdAt() {
    return createdAt;
  }

  public Instant uploadExpiresAt() {
    return uploadExpiresAt;
  }

  public Instant readyAt() {
    return readyAt;
  }

  public Instant lastHitAt() {
    return lastHitAt;
  }

  public long hitCount() {
    return hitCount;
  }

  public Instant invalidatedAt() {
    return invalidatedAt;
  }

  public UUID invalidationId() {
    return invalidationId;
  }

  public Instant evictedAt() {
    return evictedAt;
  }

  public EvictionReason evictionReason() {
    return evictionReason;
  }

  /** What a rule or a selector can be matched against. */
  public ArtifactFilter.Subject subject() {
    return new ArtifactFilter.Subject(id, kind, key, sha256, descriptor());
  }
}
