package dev.pt2cache.invalidation;

import dev.pt2cache.artifact.ArtifactFilter;
import dev.pt2cache.system.Caller;
import java.time.Instant;

/**
 * An invalidation as checked and about to be recorded: its namespace, its selector and the filter
 * that selector makes, its reason as one line, its rule, its Idempotency-Key (null when none), and
 * who asked for it. {@link InvalidationService} makes it once, and the retirement that runs it
 * ({@link ImmediateRetirement}, {@link BlockingRetirement}) records it and retires what it matches.
 */
record Retiring(
    String namespace,
    Selector selector,
    ArtifactFilter filter,
    String reason,
    Invalidation.Rule rule,
    IdempotencyKey key,
    Caller.Token by) {

  /** Its audit record, made at {@code now}. */
  Invalidation record(Instant now) {
    return new Invalidation(namespace, selector, reason, rule, key, by, now);
  }
}
