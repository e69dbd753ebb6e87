package dev.pt2cache.walk;

import java.time.Duration;
import java.util.List;

/**
 * How a walk makes time pass without waiting for it: the times the service stored for the walk's
 * namespaces and contents move back, as other tests move one reservation's end or one artifact's
 * last use. Every decision of the service compares such a stored time with now (the database's or
 * the instance's, which are one machine's here), so moving them all back by a duration is that
 * duration passing, for everything the service judges by stored times.
 */
interface TimeTravel {

  /** One reservation's {@code uploadExpiresAt}, a minute ago. */
  void expire(String artifactId);

  /**
   * Time passes: the instance's gathered hits are written first, as their flush would have written
   * them long before (the flush interval is far shorter than any time that passes here), then every
   * time stored for the namespaces' artifacts, invalidations, evictions and reports, and for the
   * contents' blobs, moves back by this long.
   */
  void pass(List<String> namespaces, List<String> digests, Duration by);
}
