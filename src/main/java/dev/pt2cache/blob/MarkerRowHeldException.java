package dev.pt2cache.blob;

import dev.pt2cache.system.StartRefusedException;

/**
 * The deployment marker's row stayed locked for longer than a start waits for it ({@code
 * PT2CACHE_DB_LOCK_WAIT}): another start frozen while it checked the marker, or a session left open
 * on that row. The start stops, naming the session that holds it (docs/adr/0021).
 */
class MarkerRowHeldException extends StartRefusedException {

  MarkerRowHeldException(String problem, String action, Throwable cause) {
    super(problem, action, cause);
  }
}
