package dev.pt2cache.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.blob.BlobStore.StoredObject;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What a reconcile run keeps of what it found: at most as many of each kind as it may change, and
 * once one kind is past that, only the first {@value ReconcileJob#NAMED} of each, which its record
 * names; the rest it only counts.
 */
class FindingsTest {

  static final int LIMIT = 50;

  @Test
  void shouldKeepWhatARunMayActOn() {
    Findings found = new Findings(LIMIT);
    for (int i = 0; i < LIMIT; i++) {
      found.orphan(object(i));
      found.missingUnless(Set.of(), digest(1000 + i));
    }

    assertThat(found.tooMany()).isFalse();
    assertThat(found.orphans).hasSize(LIMIT).first().isEqualTo(digest(0));
    assertThat(found.missing).hasSize(LIMIT);
  }

  @Test
  void shouldKeepOnlyWhatItNamesOncePastTheLimit() {
    Findings found = new Findings(LIMIT);
    for (int i = 0; i < LIMIT - 1; i++) {
      found.missingUnless(Set.of(), digest(1000 + i));
    }
    for (int i = 0; i <= LIMIT; i++) {
      found.orphan(object(i));
    }
    found.damaged(object(5000));

    assertThat(found.tooMany()).isTrue();
    assertThat(found.describe()).isEqualTo("more than 50 objects in the bucket have no row");
    assertThat(found.orphans).hasSize(ReconcileJob.NAMED).first().isEqualTo(digest(0));
    assertThat(found.missing).hasSize(ReconcileJob.NAMED).first().isEqualTo(digest(1000));
    assertThat(found.counted())
        .isEqualTo(
            "51 objects without a row, 49 rows without an object, 1 objects of another size");
    assertThat(found.sample().get("blobsMissing")).hasSize(ReconcileJob.NAMED);
    assertThat(found.sample().get("blobsDamaged")).containsExactly(digest(5000));
  }

  private static StoredObject object(int i) {
    return new StoredObject(digest(i), Instant.EPOCH, 1, "\"etag\"@" + Instant.EPOCH);
  }

  private static String digest(int i) {
    return "%064x".formatted(i);
  }
}
