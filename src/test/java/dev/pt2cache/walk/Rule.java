package dev.pt2cache.walk;

final class Rule {
  final String id;
  final String ns;
  final Sel sel;
  final boolean blocking;
  final int invalidated;

  /** When the rule stops blocking by itself, by the walk's clock; null: never. */
  final Long expiresAt;

  boolean lifted;

  Rule(String id, String ns, Sel sel, boolean blocking, int invalidated, Long expiresAt) {
    this.id = id;
    this.ns = ns;
    this.sel = sel;
    this.blocking = blocking;
    this.invalidated = invalidated;
    this.expiresAt = expiresAt;
  }
}
