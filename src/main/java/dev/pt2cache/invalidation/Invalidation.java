package dev.pt2cache.invalidation;

import dev.pt2cache.descriptor.CanonicalJson;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.hibernate.annotations.ColumnTransformer;

/** The audit record of one invalidation: selector, reason, how many artifacts, when. */
@Entity
@Table(name = "invalidation")
public class Invalidation {

  @Id private UUID id;

  @Column(nullable = false)
  private String namespace;

  @Column(nullable = false, columnDefinition = "jsonb")
  @ColumnTransformer(write = "?::jsonb")
  private String selector;

  @Column(nullable = false)
  private String reason;

  @Column(name = "invalidated_count", nullable = false)
  private long invalidatedCount;

  @Column(name = "created_at", nullable = false)
  private Instant createdAt;

  protected Invalidation() {}

  Invalidation(String namespace, Selector selector, String reason) {
    this.id = UUID.randomUUID();
    this.namespace = namespace;
    this.selector = CanonicalJson.of(selector);
    this.reason = reason;
    this.createdAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
  }

  void counted(long invalidated) {
    this.invalidatedCount = invalidated;
  }

  public UUID id() {
    return id;
  }

  public String namespace() {
    return namespace;
  }

  public Selector selector() {
    return CanonicalJson.parse(selector, Selector.class);
  }

  public String reason() {
    return reason;
  }

  public long invalidatedCount() {
    return invalidatedCount;
  }

  public Instant createdAt() {
    return createdAt;
  }
}
