package dev.pt2cache.namespace;

import java.time.Instant;

/** How many artifacts housekeeping evicted from a namespace, and when it last did. */
public interface NamespaceEvictions {

  String getName();

  long getEvictions();

  Instant getLastEvictionAt();
}
