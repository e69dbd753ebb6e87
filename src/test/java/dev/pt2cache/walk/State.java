package dev.pt2cache.walk;

enum State {
  PENDING,
  READY,
  INVALIDATED,
  EVICTED,
  /** Purged, or a reservation that lost its key: {@code GET .../artifacts/{id}} answers 404. */
  GONE
}
