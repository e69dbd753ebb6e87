package dev.pt2cache.invalidation;

import java.util.UUID;

/**
 * An Idempotency-Key already recorded in the namespace, sent with another request than the one it
 * recorded; nothing was recorded or retired.
 */
public class IdempotencyKeyReusedException extends RuntimeException {

  IdempotencyKeyReusedException(UUID recorded) {
    super(
        ("this Idempotency-Key recorded invalidation %s with another selector, reason, block or"
                + " expiresAt; nothing was changed: send a new key for a new invalidation")
            .formatted(recorded));
  }
}
