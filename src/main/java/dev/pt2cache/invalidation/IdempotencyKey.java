package dev.pt2cache.invalidation;

import dev.pt2cache.descriptor.CanonicalJson;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A client's Idempotency-Key for one invalidation, and the SHA-256 of the request it came with (the
 * draft's "fingerprint"): the canonical JSON of its selector, reason, block and expiresAt, so that
 * the same request sent again, however its JSON was spelled, has the same one (ADR 0029).
 */
public record IdempotencyKey(String value, String requestSha256) {

  /**
   * What a key may hold: the draft's sf-string, quoted, or its content alone, which clients send as
   * often; both name the same key. Visible ASCII without quote, backslash or space, 1 to 200.
   */
  private static final Pattern FORM =
      Pattern.compile(
          "\"([\\x21\\x23-\\x5b\\x5d-\\x7e]{1,200})\"|([\\x21\\x23-\\x5b\\x5d-\\x7e]{1,200})");

  /** The key a header names, or null when there was none; the API has refused malformed ones. */
  static IdempotencyKey of(
      String header, Selector selector, String reason, Invalidation.Rule rule) {
    if (header == null) {
      return null;
    }
    var form = FORM.matcher(header);
    if (!form.matches()) {
      throw new InvalidIdempotencyKeyException();
    }
    String key = form.group(1) != null ? form.group(1) : form.group(2);
    return new IdempotencyKey(key, fingerprint(selector, reason, rule));
  }

  private record Fingerprint(Selector selector, String reason, boolean block, Instant expiresAt) {}

  private static String fingerprint(Selector selector, String reason, Invalidation.Rule rule) {
    String canonical =
        CanonicalJson.of(new Fingerprint(selector, reason, rule.blocking(), rule.expiresAt()));
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256")
                  .digest(canonical.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
