package dev.pt2cache.housekeeping;

import dev.pt2cache.blob.BlobStore.StoredObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a {@link BucketWalk} found to change, at most as many of each kind as a run may change. Once
 * one kind is past that limit, the run will change nothing and only name the first {@value
 * ReconcileJob#NAMED} of each kind: from then on only those are kept, and the rest only counted.
 */
final class Findings {

  final int limit;
  final List<String> orphans = new ArrayList<>();
  final List<String> missing = new ArrayList<>();
  final List<StoredObject> damaged = new ArrayList<>();
  long objects;
  private long orphansFound;
  private long missingFound;
  private long damagedFound;
  private boolean tooMany;

  Findings(int limit) {
    this.limit = limit;
  }

  void orphan(StoredObject object) {
    orphansFound++;
    keep(orphans, object.sha256());
  }

  void damaged(StoredObject object) {
    damagedFound++;
    keep(damaged, object);
  }

  void missingUnless(Set<String> listed, String sha256) {
    if (!listed.contains(sha256)) {
      missingFound++;
      keep(missing, sha256);
    }
  }

  private <T> void keep(List<T> found, T one) {
    if (!tooMany && found.size() >= limit) {
      tooMany = true;
      List.of(orphans, missing, damaged).forEach(Findings::keepNamedOnly);
    }
    if (!tooMany || found.size() < ReconcileJob.NAMED) {
      found.add(one);
    }
  }

  private static void keepNamedOnly(List<?> found) {
    if (found.size() > ReconcileJob.NAMED) {
      found.subList(ReconcileJob.NAMED, found.size()).clear();
      ((ArrayList<?>) found).trimToSize();
    }
  }

  boolean tooMany() {
    return tooMany;
  }

  /** How many of each kind were found: orphans, missing, damaged. */
  String counted() {
    return "%d objects without a row, %d rows without an object, %d objects of another size"
        .formatted(orphansFound, missingFound, damagedFound);
  }

  /**
   * The first {@value ReconcileJob#NAMED} digests of each kind found (in digest order), for the
   * operator to judge a halted run by: a look in a bucket backup tells a real loss from the wrong
   * bucket.
   */
  Map<String, List<String>> sample() {
    Map<String, List<String>> sample = new LinkedHashMap<>();
    sample.put("orphanObjects", ReconcileJob.first(orphans));
    sample.put("blobsMissing", ReconcileJob.first(missing));
    sample.put(
        "blobsDamaged", ReconcileJob.first(damaged.stream().map(StoredObject::sha256).toList()));
    return sample;
  }

  String describe() {
    if (missingFound > limit) {
      return "more than %d blob rows have no object in the bucket".formatted(limit);
    }
    return damagedFound > limit
        ? "more than %d objects in the bucket have another size than their row".formatted(limit)
        : "more than %d objects in the bucket have no row".formatted(limit);
  }
}
