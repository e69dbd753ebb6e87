package dev.pt2cache.invalidation;

import dev.pt2cache.descriptor.CanonicalJson;
import dev.pt2cache.system.Sha256;
import java.time.Instant;

/**
 * A client's Idempotency-Key for one invalidation, and the SHA-256 of the request it came with (the
 * draft's "fingerprint"): the canonical JSON of its selector, reason, block and expiresAt, so that
 * the same request sent again, however its JSON was spelled, has the same one (ADR 0029).
 */
public record IdempotencyKey(String value, String requestSha256) {

  /**
   * The key a header names, or null when there was none. The contract admits the draft's sf-string,
   * quoted, or its content alone, which clients send as often (visible ASCII without quote or
   * backslash, 1 to 200), and the API has refused any other form; both forms name the same key.
   */
  static IdempotencyKey of(
      String header, Selector selector, String reason, Invalidation.Rule rule) {
    if (header == null) {
      return null;
    }
    boolean quoted = header.length() > 1 && header.startsWith("\"") && header.endsWith("\"");
    String key = quoted ? header.substring(1, header.length() - 1) : header;
    return new IdempotencyKey(key, fingerprint(selector, reason, rule));
  }

  private record Fingerprint(Selector selector, String reason, boolean block, Instant expiresAt) {}

  private static String fingerprint(Selector selector, String reason, Invalidation.Rule rule) {
    return Sha256.hexOf(
        CanonicalJson.of(new Fingerprint(selector, reason, rule.blocking(), rule.expiresAt())));
  }
}
