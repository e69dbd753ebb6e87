package dev.pt2cache.auth;

import java.util.Locale;

/** What a token may do, each role including the ones before it. */
public enum Role {
  /** Lookups, downloads, entry reads, listings, an artifact's reports. */
  READ,
  /** Also uploads, entry writes and reports of an artifact that failed a node. */
  WRITE,
  /**
   * Also invalidations, lifts, clearing reports and namespace settings but quotas; in every
   * namespace, quotas, housekeeping and tokens.
   */
  ADMIN;

  boolean includes(Role needed) {
    return compareTo(needed) >= 0;
  }

  /** This role where it holds: in one namespace, or in every namespace when that is null. */
  String in(String namespace) {
    return wireName() + (namespace == null ? " in every namespace" : " in namespace " + namespace);
  }

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Role of(String wireName) {
    return valueOf(wireName.toUpperCase(Locale.ROOT));
  }
}
