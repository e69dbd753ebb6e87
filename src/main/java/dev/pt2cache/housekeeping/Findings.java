package dev.pt2cache.housekeeping;

import dev.pt2cache.blob.BlobStore.StoredObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** What a {@link BucketWalk} found to change, up to one more than a run may change of each. */
final class Findings {

  final int limit;
  final List<StoredObject> orphans = new ArrayList<>();
  final List<String> missing = new ArrayList<>();
  final List<StoredObject> damaged = new ArrayList<>();
  long objects;

  Findings(int limit) {
    this.limit = limit;
  }

  void orphan(StoredObject object) {
    if (orphans.size() <= limit) {
      orphans.add(object);
    }
  }

  void damaged(StoredObject object) {
    if (damaged.size() <= limit) {
      damaged.add(object);
    }
  }

  void missingUnless(Set<String> listed, String sha256) {
    if (!listed.contains(sha256) && missing.size() <= limit) {
      missing.add(sha256);
    }
  }

  boolean tooMany() {
    return orphans.size() > limit || missing.size() > limit || damaged.size() > limit;
  }

  /**
   * The first {@value ReconcileJob#NAMED} digests of each kind found (in digest order), for the
   * operator to judge a halted run by: a look in a bucket backup tells a real loss from the wrong
   * bucket.
   */
  Map<String, List<String>> sample() {
    Map<String, List<String>> sample = new LinkedHashMap<>();
    sample.put(
        "orphanObjects", ReconcileJob.first(orphans.stream().map(StoredObject::sha256).toList()));
    sample.put("blobsMissing", ReconcileJob.first(missing));
    sample.put(
        "blobsDamaged", ReconcileJob.first(damaged.stream().map(StoredObject::sha256).toList()));
    return sample;
  }

  String describe() {
    if (missing.size() > limit) {
      return "more than %d blob rows have no object in the bucket".formatted(limit);
    }
    return damaged.size() > limit
        ? "more than %d objects in the bucket have another size than their row".formatted(limit)
        : "more than %d objects in the bucket have no row".formatted(limit);
  }
}
