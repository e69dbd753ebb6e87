package dev.pt2cache.invalidation;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A blocking invalidation retires its matches {@code pt2cache.invalidations.retire-batch} at a
 * time: a batch of none would never retire anything, so the service refuses to start with one.
 */
class RetireBatchSettingTest {

  @Test
  void shouldRefuseToStartWithABatchOfNone() {
    TransactionTemplate transactions = new TransactionTemplate(new DataSourceTransactionManager());
    assertThatThrownBy(
            () -> new BlockingRetirement(null, null, null, null, transactions, null, null, null, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("pt2cache.invalidations.retire-batch must be positive, not 0");
  }
}
