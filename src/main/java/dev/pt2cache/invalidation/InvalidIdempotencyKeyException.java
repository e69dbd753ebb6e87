package dev.pt2cache.invalidation;

/** An Idempotency-Key header that holds no key; nothing was recorded or retired. */
public class InvalidIdempotencyKeyException extends RuntimeException {

  InvalidIdempotencyKeyException() {
    super(
        "Idempotency-Key holds no key: 1 to 200 visible ASCII characters without a quote or"
            + " backslash, as a structured-field string (quoted) or bare");
  }
}
