package dev.pt2cache.auth;

import java.time.Instant;
import java.util.UUID;

/**
 * A token as stored: everything but its secret, of which only the SHA-256 is kept.
 *
 * @param madeBy the name of the token that made it; null for tokens made before this was kept
 * @param madeById that token's id; null for the operator's, and where {@code madeBy} is null
 * @param revokedBy the name of the token that revoked it; null while it is live and for tokens
 *     revoked before this was kept (docs/adr/0049)
 * @param revokedById that token's id; null for the operator's, and where {@code revokedBy} is null
 */
public record ApiToken(
    UUID id,
    String name,
    String namespace,
    Role role,
    Instant createdAt,
    Instant expiresAt,
    Instant revokedAt,
    String madeBy,
    UUID madeById,
    String revokedBy,
    UUID revokedById) {

  boolean usableAt(Instant now) {
    return revokedAt == null && (expiresAt == null || expiresAt.isAfter(now));
  }

  Grant grant() {
    return new Grant(id, name, namespace, role, expiresAt);
  }
}
