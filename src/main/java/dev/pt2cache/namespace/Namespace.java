package dev.pt2cache.namespace;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** A tenant or model family: the unit of quotas, retention and access. */
@Entity
@Table(name = "namespace")
public class Namespace {

  public static final String DEFAULT = "default";

  @Id private String name;

  @Column(name = "quota_bytes")
  private Long quotaBytes;

  @Column(name = "max_idle_days")
  private Integer maxIdleDays;

  @Column(name = "invalidate_after_reports")
  private Integer invalidateAfterReports;

  @Column(name = "lookup_hits", nullable = false, insertable = false, updatable = false)
  private long lookupHits;

  @Column(name = "lookup_misses", nullable = false, insertable = false, updatable = false)
  private long lookupMisses;

  @Column(name = "created_at", nullable = false, insertable = false, updatable = false)
  private Instant createdAt;

  @Column(name = "updated_at", nullable = false, insertable = false, updatable = false)
  private Instant updatedAt;

  /** Who last set the settings (the caller's token name); null where set before it was kept. */
  @Column(name = "updated_by", insertable = false, updatable = false)
  private String updatedBy;

  /** That token's id; null for a token not stored (the operator's) and where updatedBy is. */
  @Column(name = "updated_by_id", insertable = false, updatable = false)
  private UUID updatedById;

  protected Namespace() {}

  public String name() {
    return name;
  }

  public Long quotaBytes() {
    return quotaBytes;
  }

  public Integer maxIdleDays() {
    return maxIdleDays;
  }

  /** How many distinct reporters retire an artifact; null: reports retire nothing. */
  public Integer invalidateAfterReports() {
    return invalidateAfterReports;
  }

  public long lookupHits() {
    return lookupHits;
  }

  public long lookupMisses() {
    return lookupMisses;
  }

  public Instant createdAt() {
    return createdAt;
  }

  public Instant updatedAt() {
    return updatedAt;
  }

  public String updatedBy() {
    return updatedBy;
  }

  public UUID updatedById() {
    return updatedById;
  }
}
