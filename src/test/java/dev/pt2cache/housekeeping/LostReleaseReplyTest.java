package dev.pt2cache.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ServiceTest;
import dev.pt2cache.support.TestInfra;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.core.SimpleLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * A job lock's release whose {@code COMMIT} PostgreSQL carried out but whose answer never came back
 * (the session ended, the route dropped, right after the commit reached the server): the release
 * reads as a lost connection and is asked again, while the lock is already free, and another run of
 * the job may have taken it meanwhile, on this instance or another on the same host. Before,
 * ShedLock's release ({@code UPDATE shedlock ... WHERE name = ? AND locked_by = ?}, {@code
 * locked_by} the host's name) matched the new holder's row, and the try released its lock: two runs
 * of one job at once.
 */
class LostReleaseReplyTest extends ServiceTest {

  @Autowired DataSource dataSource;

  final ShedLockConfiguration configuration = new ShedLockConfiguration();
  final ScheduledExecutorService keepAlive = configuration.lockKeepAlive();
  final String job = "lost-reply-probe-" + UUID.randomUUID();

  /** Run once, in the commit that PostgreSQL carried out but whose answer is lost. */
  final AtomicReference<Runnable> afterTheLostCommit = new AtomicReference<>();

  @AfterEach
  void forgetTheLock() {
    keepAlive.shutdownNow();
    jdbc.sql("delete from shedlock where name = ?").params(job).update();
  }

  @Test
  void shouldLeaveTheLockOfARunOnThisInstanceThatTookItAfterTheLostAnswer() {
    LockProvider instance = locks(lostAnswers());
    assertTheNewHolderKeepsItsLock(instance, instance);
  }

  @Test
  void shouldLeaveTheLockOfAnotherInstanceOnTheHostThatTookItAfterTheLostAnswer() {
    assertTheNewHolderKeepsItsLock(locks(lostAnswers()), locks(dataSource));
  }

  /**
   * The keep-alive's extension rewrites {@code lock_until} where {@code name} and {@code locked_by}
   * match: the take's own holder stays, and its run's release still frees the lock.
   */
  @Test
  void shouldExtendAndReleaseTheLockOfItsOwnTake() {
    LockProvider locks =
        new AnsweredLockProvider(
            new LocksPerTake(new JdbcTemplate(dataSource), new LockTransactions(dataSource)),
            LockTries.of(dataSource, new StandardEnvironment()));
    SimpleLock taken = locks.lock(lock()).orElseThrow();
    Map<String, Object> before = row();

    SimpleLock extended = taken.extend(Duration.ofMinutes(3), Duration.ZERO).orElseThrow();

    Map<String, Object> after = row();
    assertThat(after.get("held")).isEqualTo(true);
    assertThat(after.get("locked_by")).isEqualTo(before.get("locked_by"));
    assertThat(after.get("locked_at")).isEqualTo(before.get("locked_at"));
    assertThat(
            jdbc.sql(
                    "select lock_until > now() + interval '150 seconds' from shedlock where name = ?")
                .params(job)
                .query(Boolean.class)
                .single())
        .as("extended to 3 minutes")
        .isTrue();
    extended.unlock();
    assertThat(row().get("held")).as("released by its run").isEqualTo(false);
  }

  private void assertTheNewHolderKeepsItsLock(LockProvider first, LockProvider next) {
    SimpleLock lock = first.lock(lock()).orElseThrow();
    AtomicReference<Map<String, Object>> taken = new AtomicReference<>();
    AtomicReference<Optional<SimpleLock>> nextLock = new AtomicReference<>(Optional.empty());
    afterTheLostCommit.set(
        () -> {
          nextLock.set(next.lock(lock()));
          taken.set(row());
        });

    try {
      lock.unlock();
    } catch (RuntimeException e) {
      // a release that gave up is no part of this: the row says what it did
    }

    assertThat(nextLock.get()).as("the next run took the lock the release had freed").isPresent();
    Map<String, Object> now = row();
    assertThat(now.get("held"))
        .as("the next run's lock, after the release's tries: %s", now)
        .isEqualTo(true);
    assertThat(now.get("locked_by")).isEqualTo(taken.get().get("locked_by"));
    assertThat(now.get("locked_at")).isEqualTo(taken.get().get("locked_at"));
    nextLock.get().get().unlock();
    assertThat(row().get("held")).as("the next run's own release frees it").isEqualTo(false);
  }

  private LockProvider locks(DataSource connections) {
    return configuration.lockProvider(connections, keepAlive, new StandardEnvironment());
  }

  private LockConfiguration lock() {
    return new LockConfiguration(Instant.now(), job, Duration.ofMinutes(2), Duration.ZERO);
  }

  private Map<String, Object> row() {
    return jdbc.sql(
            "select lock_until > now() as held, locked_by, locked_at from shedlock where name = ?")
        .params(job)
        .query()
        .singleRow();
  }

  /**
   * The suite's connections, but that a commit, once armed ({@link #afterTheLostCommit}), is
   * carried out by PostgreSQL and then its session ends before the answer is read: the caller meets
   * the lost connection pgjdbc raises ({@code 08006}), as when the route or the server went away
   * right after the commit arrived.
   */
  private DataSource lostAnswers() {
    return new DelegatingDataSource(dataSource) {
      @Override
      public Connection getConnection() throws SQLException {
        Connection connection = super.getConnection();
        return (Connection)
            Proxy.newProxyInstance(
                Connection.class.getClassLoader(),
                new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                  Runnable between =
                      method.getName().equals("commit") ? afterTheLostCommit.getAndSet(null) : null;
                  Object answer;
                  try {
                    answer = method.invoke(connection, args);
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                  if (between == null) {
                    return answer;
                  }
                  // another run, on a thread of its own, takes the lock the commit freed
                  CompletableFuture.runAsync(between).join();
                  end(connection.unwrap(PGConnection.class).getBackendPID());
                  throw new SQLException(
                      "An I/O error occurred while sending to the backend.", "08006");
                });
      }
    };
  }

  private static void end(int pid) throws SQLException {
    try (Connection admin = TestInfra.adminConnection();
        PreparedStatement end = admin.prepareStatement("select pg_terminate_backend(?)")) {
      end.setInt(1, pid);
      end.execute();
    }
  }
}
