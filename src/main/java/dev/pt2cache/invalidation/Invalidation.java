package dev.pt2cache.invalidation;

import dev.pt2cache.descriptor.CanonicalJson;
import dev.pt2cache.descriptor.NulCharacterException;
import dev.pt2cache.system.Caller;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import java.util.regex.Pattern;
import org.hibernate.annotations.ColumnTransformer;

/**
 * The audit record of one invalidation: selector, reason, how many artifacts, when, and who made it
 * and lifted its rule (docs/adr/0049).
 */
@Entity
@Table(name = "invalidation")
public class Invalidation {

  /**
   * A line break or other control character, a tab and NUL aside: none is recorded or logged. The
   * C1 controls and U+2028/U+2029 too: NEL and the separators end a line for many log readers, and
   * CSI (U+009B) begins a terminal's escape sequence.
   */
  static final Pattern CONTROL =
      Pattern.compile("[\\x01-\\x08\\x0a-\\x1f\\x7f-\\x9f\\u2028\\u2029]");

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

  @Column(nullable = false)
  private boolean blocking;

  @Column(name = "expires_at")
  private Instant expiresAt;

  @Column(name = "lifted_at")
  private Instant liftedAt;

  /** The client's Idempotency-Key, unique in the namespace; null when it sent none. */
  @Column(name = "idempotency_key")
  private String idempotencyKey;

  /** The SHA-256 of the request that came with the key ({@link IdempotencyKey}). */
  @Column(name = "request_sha256")
  private String requestSha256;

  /** The name of the caller's token that made it; null for records made before it was kept. */
  @Column(name = "made_by")
  private String madeBy;

  /** That token's id; null for a token not stored (the operator's) and where madeBy is. */
  @Column(name = "made_by_id")
  private UUID madeById;

  /** The name of the caller's token that lifted its rule; null while it stands. */
  @Column(name = "lifted_by")
  private String liftedBy;

  @Column(name = "lifted_by_id")
  private UUID liftedById;

  protected Invalidation() {}

  Invalidation(
      String namespace,
      Selector selector,
      String reason,
      Rule rule,
      IdempotencyKey key,
      Caller.Token by,
      Instant now) {
    this.id = UUID.randomUUID();
    this.madeBy = by.name();
    this.madeById = by.id();
    this.namespace = namespace;
    this.selector = CanonicalJson.of(selector);
    this.reason = reason;
    this.createdAt = now.truncatedTo(ChronoUnit.MICROS);
    this.blocking = rule.blocking();
    this.expiresAt = rule.expiresAt();
    if (key != null) {
      this.idempotencyKey = key.value();
      this.requestSha256 = key.requestSha256();
    }
  }

  /** Whether an invalidation keeps blocking matching uploads afterwards, and until when. */
  public record Rule(boolean blocking, Instant expiresAt) {
    public static final Rule NONE = new Rule(false, null);
  }

  /**
   * Lifts the rule, once. An invalidation that never blocked has no rule to lift: its record stays
   * as it was, so the audit trail never says a rule was lifted that was never in force (ADR 0029).
   */
  void lift(Instant now, Caller.Token by) {
    if (blocking && liftedAt == null) {
      liftedAt = now.truncatedTo(ChronoUnit.MICROS);
      liftedBy = by.name();
      liftedById = by.id();
    }
  }

  /** A blocking rule that has neither expired nor been lifted. */
  public boolean active(Instant now) {
    return blocking && liftedAt == null && (expiresAt == null || expiresAt.isAfter(now));
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

  /**
   * A reason as it is recorded and logged: one line, each control character but a tab made a space,
   * so that it cannot pass for log lines of its own. Taken rather than refused: clients of builds
   * before 2026-12-04 sent reasons of several lines, which those builds took (ADR 0033). A NUL,
   * which PostgreSQL cannot store, is refused as those builds refused it.
   */
  static String oneLine(String reason) {
    NulCharacterException.refuseIn(reason, "reason");
    return CONTROL.matcher(reason).replaceAll(" ");
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

  public boolean blocking() {
    return blocking;
  }

  public Instant expiresAt() {
    return expiresAt;
  }

  public Instant liftedAt() {
    return liftedAt;
  }

  public String madeBy() {
    return madeBy;
  }

  public UUID madeById() {
    return madeById;
  }

  public String liftedBy() {
    return liftedBy;
  }

  public UUID liftedById() {
    return liftedById;
  }

  /** Whether a request with this key recorded this invalidation: same key, same request. */
  boolean recordedFor(IdempotencyKey key) {
    return key.requestSha256().equals(requestSha256);
  }
}
