package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ServiceTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * An operator looking at {@code pg_stat_activity} (a database at {@code max_connections}, a session
 * holding a lock others wait for) finds which instance each connection is: before, every one was
 * "PostgreSQL JDBC Driver".
 */
class DatabaseApplicationNameTest extends ServiceTest {

  @Autowired JdbcClient jdbc;

  @Test
  void shouldNameTheInstancesConnectionsByItsHost() {
    String name =
        jdbc.sql("select application_name from pg_stat_activity where pid = pg_backend_pid()")
            .query(String.class)
            .single();

    assertThat(name).isEqualTo(DatabaseApplicationName.of("pt2cache", HostName.get()));
    assertThat(name).startsWith("pt2cache ");
  }

  @Test
  void shouldKeepThePrefixWhereTheHostsNameIsLongerThanPostgresqlKeeps() {
    String name = DatabaseApplicationName.of("pt2cache", "h".repeat(100));

    assertThat(name).hasSize(63).startsWith("pt2cache hhh");
  }
}
