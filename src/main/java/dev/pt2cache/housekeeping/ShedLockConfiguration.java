package dev.pt2cache.housekeeping;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import javax.sql.DataSource;
import net.javacrumbs.shedlock.core.DefaultLockingTaskExecutor;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.core.LockingTaskExecutor;
import net.javacrumbs.shedlock.support.KeepAliveLockProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Job locks in the {@code shedlock} table, timed by the database's clock, not the instances', each
 * take its own holder ({@link LocksPerTake}). A held lock is extended while its job runs, so a run
 * longer than {@code lockAtMostFor} keeps it; only a crashed instance's lock lapses. Its statements
 * wait for PostgreSQL's answers at most the answer wait ({@link AnsweredLockProvider}), and one
 * that fails is the database's failure, never a lock held elsewhere ({@link LockTransactions}).
 */
@Configuration(proxyBeanMethods = false)
class ShedLockConfiguration {

  /**
   * The keep-alive's thread. A stopping instance shuts it down before the scheduler's last round
   * has ended (beans are destroyed in their own order): a round that took its lock then had its
   * keep-alive refused ({@code RejectedExecutionException}) after the lock's row was written, never
   * released it, and left the job's lock to lapse after {@code lockAtMostFor} (2 minutes without
   * {@code retention}; seen in CI after TwoInstancesTest's instances stopped). A keep-alive asked
   * for after the shutdown is dropped instead: the round, which the stop waits for at most {@code
   * PT2CACHE_SHUTDOWN_TIMEOUT}, runs without one and releases its lock as it ends.
   */
  @Bean(destroyMethod = "shutdownNow")
  ScheduledExecutorService lockKeepAlive() {
    return new ScheduledThreadPoolExecutor(
        1,
        r -> {
          Thread thread = new Thread(r, "job-lock-keep-alive");
          thread.setDaemon(true);
          return thread;
        },
        new ThreadPoolExecutor.DiscardPolicy());
  }

  @Bean
  LockProvider lockProvider(
      DataSource dataSource, ScheduledExecutorService lockKeepAlive, Environment environment) {
    return new KeepAliveLockProvider(
        new AnsweredLockProvider(
            new LocksPerTake(new JdbcTemplate(dataSource), new LockTransactions(dataSource)),
            LockTries.of(dataSource, environment)),
        lockKeepAlive);
  }

  @Bean
  LockingTaskExecutor lockingTaskExecutor(LockProvider lockProvider) {
    return new DefaultLockingTaskExecutor(lockProvider);
  }
}
