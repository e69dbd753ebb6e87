package dev.pt2cache.housekeeping;

import dev.pt2cache.system.HostName;
import java.util.Optional;
import java.util.UUID;
import net.javacrumbs.shedlock.core.ExtensibleLockProvider;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;
import net.javacrumbs.shedlock.provider.jdbctemplate.JdbcTemplateLockProvider;
import net.javacrumbs.shedlock.provider.sql.DatabaseProduct;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * ShedLock's job locks on PostgreSQL, timed by its clock, each take writing a holder of its own in
 * {@code locked_by}: the host's name and a random id. ShedLock extends and releases a lock where
 * {@code name} and {@code locked_by} match, and nothing else of the row ({@code UPDATE shedlock SET
 * lock_until = ... WHERE name = ? AND locked_by = ?}); with the host's name alone, which every run
 * of an instance and every instance on the host share, a release asked again after its commit's
 * answer was lost (the lock free since) released the lock of the run that took it meanwhile (ADR
 * 0039, "A job lock's release after an ended session"). Now an extension or a release, first try or
 * later, matches the take it belongs to or no row; an extension keeps {@code locked_by}.
 */
final class LocksPerTake implements ExtensibleLockProvider {

  /** {@code locked_by}'s width, {@code varchar(255)}. */
  private static final int HOLDER_WIDTH = 255;

  private final JdbcTemplate jdbc;
  private final PlatformTransactionManager transactions;
  private final String host;

  LocksPerTake(JdbcTemplate jdbc, PlatformTransactionManager transactions) {
    this.jdbc = jdbc;
    this.transactions = transactions;
    String name = HostName.get();
    int room = HOLDER_WIDTH - 1 - UUID.randomUUID().toString().length();
    this.host = name.length() > room ? name.substring(0, room) : name;
  }

  /**
   * ShedLock's lock for one take. ShedLock keeps no state of a lock but its row, save which rows it
   * has seen written (a held lock's take then asks one statement more, the row's update after the
   * insert that found it held).
   */
  @Override
  public Optional<SimpleLock> lock(LockConfiguration configuration) {
    return new JdbcTemplateLockProvider(
            JdbcTemplateLockProvider.Configuration.builder()
                .withJdbcTemplate(jdbc)
                .withTransactionManager(transactions)
                .withDatabaseProduct(DatabaseProduct.POSTGRES_SQL)
                .usingDbTime()
                .withLockedByValue(host + "/" + UUID.randomUUID())
                .build())
        .lock(configuration);
  }
}
