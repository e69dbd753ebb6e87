package dev.pt2cache.walk;

final class Ns {
  final String name;
  Long quota;
  Integer reportThreshold;
  Integer maxIdleDays;

  /** docs/operations.md, Quotas and idle limits: its own, or PT2CACHE_DEFAULT_MAX_IDLE_DAYS. */
  int appliedIdleDays() {
    return maxIdleDays == null ? WalkModel.DEFAULT_IDLE_DAYS : maxIdleDays;
  }

  Ns(String name) {
    this.name = name;
  }
}
