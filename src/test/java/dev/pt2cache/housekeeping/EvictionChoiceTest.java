package dev.pt2cache.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.housekeeping.Evictions.Candidate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * What a quota evicts, without a database ({@code RetentionTest} runs the same on PostgreSQL): too
 * little leaves a namespace over its quota, too much evicts artifacts every node then compiles
 * again.
 */
class EvictionChoiceTest {

  /** Candidates of these sizes, least recently used first. */
  static List<Candidate> sized(long... sizes) {
    List<Candidate> candidates = new ArrayList<>();
    for (long size : sizes) {
      candidates.add(new Candidate(UUID.randomUUID(), size, Instant.EPOCH));
    }
    return candidates;
  }

  static List<UUID> ids(List<Candidate> candidates, int count) {
    return candidates.subList(0, count).stream().map(Candidate::id).toList();
  }

  @Nested
  class Excess {

    @Test
    void shouldFreeNothingWithinTheQuotaItsLastByteIncluded() {
      assertThat(Evictions.excess(0, 3000, 0.1)).isZero();
      assertThat(Evictions.excess(3000, 3000, 0.1)).isZero();
    }

    @Test
    void shouldFreeDownToTheQuotaLessTheMarginOnceOver() {
      assertThat(Evictions.excess(3001, 3000, 0.1)).isEqualTo(301);
      assertThat(Evictions.excess(4000, 3000, 0.1)).isEqualTo(1300);
      assertThat(Evictions.excess(4000, 3000, 0)).isEqualTo(1000);
      assertThat(Evictions.excess(10, 0, 0.1)).as("a quota of 0 holds nothing").isEqualTo(10);
      // 3333 * 0.9 = 2999.7: the target is rounded down, never above quota less margin
      assertThat(Evictions.excess(4000, 3333, 0.1)).isEqualTo(1001);
    }
  }

  @Nested
  class Chosen {

    @Test
    void shouldTakeTheLeastRecentlyUsedUntilEnoughIsFreed() {
      List<Candidate> oldest = sized(1000, 1000, 1000, 1000);

      assertThat(Evictions.chosen(oldest, 1300, 3000, 100)).isEqualTo(ids(oldest, 2));
      assertThat(Evictions.chosen(oldest, 1000, 3000, 100)).isEqualTo(ids(oldest, 1));
      assertThat(Evictions.chosen(oldest, 1, 3000, 100)).isEqualTo(ids(oldest, 1));
      assertThat(Evictions.chosen(oldest, 0, 3000, 100)).isEmpty();
    }

    @Test
    void shouldTakeNoMoreThanABatch() {
      List<Candidate> oldest = sized(1000, 1000, 1000);

      assertThat(Evictions.chosen(oldest, 5000, 0, 2)).isEqualTo(ids(oldest, 2));
    }

    /** One larger than the target would otherwise evict itself whenever anything else is stored. */
    @Test
    void shouldKeepTheNewestWhenItFitsTheQuotaAlone() {
      List<Candidate> oldest = sized(3000, 3000, 9500);

      assertThat(Evictions.chosen(oldest, 6500, 10_000, 100)).isEqualTo(ids(oldest, 2));
      assertThat(Evictions.chosen(sized(9500), 500, 10_000, 100)).isEmpty();
      assertThat(Evictions.chosen(sized(10_000), 1000, 10_000, 100))
          .as("exactly the quota fits it")
          .isEmpty();
    }

    @Test
    void shouldEvictTheNewestWhenItIsLargerThanTheQuota() {
      List<Candidate> oldest = sized(10_001);

      assertThat(Evictions.chosen(oldest, 10_001, 10_000, 100)).isEqualTo(ids(oldest, 1));
    }

    /**
     * With more candidates than a batch, the last read is not known to be the newest: the batch
     * takes what it needs, and a later batch (which sees the newest) keeps it.
     */
    @Test
    void shouldKnowTheNewestOnlyWhenEveryReadyArtifactWasRead() {
      List<Candidate> batchAndOneMore = sized(1000, 1000, 1000);
      assertThat(Evictions.chosen(batchAndOneMore, 5000, 10_000, 2))
          .isEqualTo(ids(batchAndOneMore, 2));

      List<Candidate> exactlyABatch = sized(1000, 1000);
      assertThat(Evictions.chosen(exactlyABatch, 5000, 10_000, 2)).isEqualTo(ids(exactlyABatch, 1));
    }

    @Test
    void shouldChooseNothingWhenNothingIsReady() {
      assertThat(Evictions.chosen(List.of(), 1000, 10_000, 100)).isEmpty();
    }
  }
}
