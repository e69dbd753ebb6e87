package dev.pt2cache.walk;

import java.util.HashSet;
import java.util.Set;

/** An artifact: descriptor-addressed (mega-cache, desc set) or key-addressed (desc optional). */
final class Art {
  final String id;
  final String ns;
  final String kind;
  final String key;
  final Desc desc;
  final String sha;
  final long size;
  State state;

  /** The order of last uses (a lookup's hit, an entry's GET, or becoming ready): a tick. */
  long lastUse;

  /** When it was last used, by the walk's clock. */
  long lastUseAt;

  /** When it was declared (the lease counts from it) and when its reservation ends. */
  long reservedAt;

  long expiresAt;

  /** When it was invalidated or evicted. */
  long retiredAt;

  final Set<String> reporters = new HashSet<>();

  Art(String id, String ns, String kind, String key, Desc desc, String sha, long size) {
    this.id = id;
    this.ns = ns;
    this.kind = kind;
    this.key = key;
    this.desc = desc;
    this.sha = sha;
    this.size = size;
  }

  boolean retired() {
    return state == State.INVALIDATED || state == State.EVICTED;
  }

  @Override
  public String toString() {
    return "%s %s/%s %s %s".formatted(id.substring(0, 8), kind, key.substring(0, 8), sha, state);
  }
}
