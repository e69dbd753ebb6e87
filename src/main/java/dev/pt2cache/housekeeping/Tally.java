package dev.pt2cache.housekeeping;

import java.util.ArrayList;
import java.util.List;

/**
 * How many digests a reconcile run acted on of one kind, and the first {@value ReconcileJob#NAMED}
 * of them, which its record names: no more is kept, however many it acts on.
 */
final class Tally {

  private final List<String> named = new ArrayList<>(ReconcileJob.NAMED);
  private long count;

  void add(String sha256) {
    count++;
    if (named.size() < ReconcileJob.NAMED) {
      named.add(sha256);
    }
  }

  long count() {
    return count;
  }

  List<String> named() {
    return named;
  }
}
