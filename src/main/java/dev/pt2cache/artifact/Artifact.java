package dev.pt2cache.artifact;

import dev.pt2cache.blob.BlobExpectation;
import dev.pt2cache.descriptor.CanonicalJson;
import dev.pt2cache.descriptor.Descriptor;
import dev.pt2cache.system.Caller;
import jakarta.persistence.Column;
import jakarta.persistence.Embedded;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.PostLoad;
import jakarta.persistence.PostPersist;
import jakarta.persistence.Table;
import jakarta.persistence.Transient;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.hibernate.annotations.ColumnTransformer;
import org.springframework.data.domain.Persistable;

/**
 * A compiled artifact: (namespace, kind, key) pointing at a content-addressed blob. Its id is
 * assigned here, so it tells Spring Data itself whether it is new: a save then inserts at once,
 * without first selecting the id it has just made up.
 */
@Entity
@Table(name = "artifact")
public class Artifact implements Persistable<UUID> {

  @Id private UUID id;

  @Transient private boolean isNew;

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

  /** Distinct reporters that said it failed them: written only by the report package's SQL. */
  @Column(name = "report_count", nullable = false, insertable = false, updatable = false)
  private int reportCount;

  /**
   * The name of the token whose request declared this artifact (docs/adr/0049): its reservation's
   * or its entry PUT's caller. Null on rows stored before migration V22, which nobody knows.
   */
  @Column(name = "uploaded_by", updatable = false)
  private String uploadedBy;

  /**
   * That token's id; null for a token not stored (the operator's, anonymous) and where uploadedBy
   * is.
   */
  @Column(name = "uploaded_by_id", updatable = false)
  private UUID uploadedById;

  /**
   * The columns a serving read selects from {@code artifact a}: all but the descriptor's own
   * columns, which serve queries and are never read back (the descriptor itself is).
   */
  static final String ROW_COLUMNS =
      "a.id, a.namespace, a.kind, a.cache_key, a.state, a.sha256, a.size_bytes, a.descriptor,"
          + " a.created_at, a.upload_expires_at, a.ready_at, a.last_hit_at, a.hit_count,"
          + " a.invalidated_at, a.invalidation_id, a.evicted_at, a.eviction_reason,"
          + " a.report_count, a.uploaded_by, a.uploaded_by_id";

  protected Artifact() {}

  /**
   * An artifact read by plain JDBC from {@link #ROW_COLUMNS}, for the serving reads that cannot
   * afford Hibernate's result-set mapping (docs/adr/0010). Detached: never written back.
   */
  static Artifact fromRow(ResultSet rs) throws SQLException {
    Artifact a = new Artifact();
    a.id = rs.getObject("id", UUID.class);
    a.namespace = rs.getString("namespace");
    a.kind = ArtifactKind.fromWire(rs.getString("kind"));
    a.key = rs.getString("cache_key");
    a.state = ArtifactState.valueOf(rs.getString("state"));
    a.sha256 = rs.getString("sha256");
    a.sizeBytes = rs.getLong("size_bytes");
    a.descriptor = rs.getString("descriptor");
    a.createdAt = instant(rs, "created_at");
    a.uploadExpiresAt = instant(rs, "upload_expires_at");
    a.readyAt = instant(rs, "ready_at");
    a.lastHitAt = instant(rs, "last_hit_at");
    a.hitCount = rs.getLong("hit_count");
    a.invalidatedAt = instant(rs, "invalidated_at");
    a.invalidationId = rs.getObject("invalidation_id", UUID.class);
    a.evictedAt = instant(rs, "evicted_at");
    String evictionReason = rs.getString("eviction_reason");
    a.evictionReason = evictionReason == null ? null : EvictionReason.valueOf(evictionReason);
    a.reportCount = rs.getInt("report_count");
    a.uploadedBy = rs.getString("uploaded_by");
    a.uploadedById = rs.getObject("uploaded_by_id", UUID.class);
    return a;
  }

  private static Instant instant(ResultSet rs, String column) throws SQLException {
    OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
    return value == null ? null : value.toInstant();
  }

  static Artifact pending(
      String namespace,
      ArtifactKind kind,
      String key,
      Descriptor descriptor,
      BlobExpectation content,
      Instant now,
      Duration reservation,
      Caller.Token uploadedBy) {
    Artifact a = new Artifact();
    a.isNew = true;
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
    a.createdAt = now.truncatedTo(ChronoUnit.MICROS);
    a.uploadExpiresAt = a.createdAt.plus(reservation);
    a.uploadedBy = uploadedBy.name();
    a.uploadedById = uploadedBy.id();
    return a;
  }

  @PostPersist
  @PostLoad
  void stored() {
    isNew = false;
  }

  @Override
  public boolean isNew() {
    return isNew;
  }

  @Override
  public UUID getId() {
    return id;
  }

  /** The end the database gave the reservation when its upload renewed it. */
  void renewedUntil(Instant until) {
    uploadExpiresAt = until;
  }

  /**
   * Shows a ready artifact, read outside any transaction, as the blocking rule in force that
   * matches it leaves it: retired by that rule since it was made, before its batch has come (ADR
   * 0029). Never on a managed artifact: the change is not to be written.
   */
  void shownRetiredBy(ArtifactPolicy.Refusing rule) {
    state = ArtifactState.INVALIDATED;
    invalidationId = rule.rule();
    invalidatedAt = rule.since();
  }

  void markReady(Instant now) {
    state = ArtifactState.READY;
    readyAt = now.truncatedTo(ChronoUnit.MICROS);
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

  public int reportCount() {
    return reportCount;
  }

  public String uploadedBy() {
    return uploadedBy;
  }

  public UUID uploadedById() {
    return uploadedById;
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
