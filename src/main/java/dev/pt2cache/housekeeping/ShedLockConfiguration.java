package dev.pt2cache.housekeeping;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import javax.sql.DataSource;
import net.javacrumbs.shedlock.core.DefaultLockingTaskExecutor;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.core.LockingTaskExecutor;
import net.javacrumbs.shedlock.provider.jdbctemplate.JdbcTemplateLockProvider;
import net.javacrumbs.shedlock.support.KeepAliveLockProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Job locks in the {@code shedlock} table, timed by the database's clock, not the instances'. A
 * held lock is extended while its job runs, so a run longer than {@code lockAtMostFor} keeps it;
 * only a crashed instance's lock lapses. Its statements wait for PostgreSQL's answers at most the
 * answer wait ({@link AnsweredLockProvider}).
 */
@Configuration(proxyBeanMethods = false)
class ShedLockConfiguration {

  @Bean(destroyMethod = "shutdownNow")
  ScheduledExecutorService lockKeepAlive() {
    return Executors.newSingleThreadScheduledExecutor(
        r -> {
          Thread thread = new Thread(r, "job-lock-keep-alive");
          thread.setDaemon(true);
          return thread;
        });
  }

  @Bean
  LockProvider lockProvider(DataSource dataSource, ScheduledExecutorService lockKeepAlive) {
    return new KeepAliveLockProvider(
        new AnsweredLockProvider(
            new JdbcTemplateLockProvider(
                JdbcTemplateLockProvider.Configuration.builder()
                    .withJdbcTemplate(new JdbcTemplate(dataSource))
                    .usingDbTime()
                    .build())),
        lockKeepAlive);
  }

  @Bean
  LockingTaskExecutor lockingTaskExecutor(LockProvider lockProvider) {
    return new DefaultLockingTaskExecutor(lockProvider);
  }
}
