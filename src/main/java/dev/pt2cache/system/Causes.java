package dev.pt2cache.system;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * A failure's chain of causes, walked once for every place that looks for a driver's, a pool's or a
 * client's own exception among them. A chain that loops back on itself (a library's {@code
 * initCause} on an exception already further down) ends before its first repeat: a walk that
 * followed it would hold a request's thread for good, where the JDK's own stack trace prints
 * "CIRCULAR REFERENCE" and goes on.
 */
public final class Causes {

  private Causes() {}

  /** {@code failure} and its causes, outermost first, each once; empty for {@code null}. */
  public static List<Throwable> chain(Throwable failure) {
    List<Throwable> chain = new ArrayList<>();
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
      chain.add(t);
    }
    return chain;
  }
}
