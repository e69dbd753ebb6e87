package dev.pt2cache.invalidation;

import dev.pt2cache.descriptor.CanonicalJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the log says of an invalidation, shared by those that record one: a database restored from a
 * backup forgets the invalidations made after it, and the operator re-applies them from these lines
 * (docs/backup-and-restore.md), so each says what a resend needs. The lines keep the logger they
 * were written under before the service was split, so that a level or filter set on it still finds
 * them.
 */
final class InvalidationLines {

  static final Logger log = LoggerFactory.getLogger(InvalidationService.class);

  private InvalidationLines() {}

  /** What a resend of the invalidation needs: its namespace, its selector and its rule. */
  static String resendable(Invalidation invalidation) {
    String rule =
        !invalidation.blocking()
            ? ""
            : invalidation.expiresAt() == null
                ? ", blocking until lifted"
                : ", blocking until " + invalidation.expiresAt();
    return "namespace %s, selector %s%s"
        .formatted(
            invalidation.namespace(), oneLine(CanonicalJson.of(invalidation.selector())), rule);
  }

  /**
   * The selector's JSON with what its canonical form leaves as it is (DEL, the C1 controls,
   * U+2028/U+2029) written as JSON escapes: the line stays one line, and the JSON, resent, selects
   * the same. Such characters can only stand in its strings, where an escape means the same.
   */
  private static String oneLine(String json) {
    return Invalidation.CONTROL
        .matcher(json)
        .replaceAll(c -> "\\\\u%04x".formatted((int) c.group().charAt(0)));
  }
}
