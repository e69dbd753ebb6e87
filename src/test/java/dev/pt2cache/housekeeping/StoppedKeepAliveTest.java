package dev.pt2cache.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ServiceTest;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import javax.sql.DataSource;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.core.SimpleLock;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.env.StandardEnvironment;

/**
 * A stopping instance shuts the job locks' keep-alive down before its scheduler's last round ends:
 * a round that takes its lock after that must still release it. Before, the keep-alive refused the
 * round ({@code RejectedExecutionException}) after its lock's row was written, and the lock stayed
 * taken for {@code lockAtMostFor}: in CI, two minutes without {@code retention} after
 * TwoInstancesTest's instances stopped, which the next class's run waited out and failed on.
 */
class StoppedKeepAliveTest extends ServiceTest {

  @Autowired DataSource dataSource;

  @Test
  void shouldReleaseALockTakenAfterTheKeepAliveStopped() {
    ShedLockConfiguration configuration = new ShedLockConfiguration();
    ScheduledExecutorService keepAlive = configuration.lockKeepAlive();
    LockProvider locks =
        configuration.lockProvider(dataSource, keepAlive, new StandardEnvironment());
    keepAlive.shutdownNow(); // the instance is stopping; its last round is still to take its lock
    String job = "keep-alive-probe-" + UUID.randomUUID();

    Optional<SimpleLock> lock =
        locks.lock(new LockConfiguration(Instant.now(), job, Duration.ofMinutes(2), Duration.ZERO));
    assertThat(lock).as("the round took its lock").isPresent();
    lock.get().unlock();

    assertThat(
            jdbc.sql("select lock_until <= now() from shedlock where name = ?")
                .params(job)
                .query(Boolean.class)
                .single())
        .as("the lock released as the round ended")
        .isTrue();
    jdbc.sql("delete from shedlock where name = ?").params(job).update();
  }
}
