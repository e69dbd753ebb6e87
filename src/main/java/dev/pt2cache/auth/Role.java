package dev.pt2cache.auth;

import java.util.Locale;

/** What a token may do, each role including the ones before it. */
public enum Role {
  /** Lookups, downloads, entry reads, listings. */
  READ,
  /** Also uploads and entry writes. */
  WRITE,
  /** Also invalidations and namespace settings; in every namespace, housekeeping and tokens. */
  ADMIN;

  boolean includes(Role needed) {
    return compareTo(needed) >= 0;
  }

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Role of(String wireName) {
    return valueOf(wireName.toUpperCase(Locale.ROOT));
  }
}
