package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** Which failures are said as PostgreSQL refusing the instance's credentials. */
class RefusedLoginTest {

  @Test
  void shouldNameTheCredentialsForARefusedLoginAmongTheCauses() {
    SQLException login =
        new SQLException("FATAL: password authentication failed for user \"x\"", "28P01");
    assertThat(RefusedLogin.describe(new RuntimeException("pool", login)))
        .hasValueSatisfying(
            line ->
                assertThat(line)
                    .contains("SQL state 28P01")
                    .contains("PT2CACHE_DB_USER and PT2CACHE_DB_PASSWORD"));
  }

  /**
   * Most failures are not a login refused, and many carry no SQL state at all (a connection closed
   * under a rollback): nothing to say, and no failure of its own. Before, a null state threw {@code
   * NullPointerException} from the immutable set's lookup, and the request that met such a failure
   * answered {@code 500 internal-error} in place of {@code 503 database-unavailable}.
   */
  @Test
  void shouldSayNothingOfAFailureWithoutAStateOrWithAnother() {
    assertThat(RefusedLogin.describe(new SQLException("This connection has been closed.")))
        .isEmpty();
    assertThat(RefusedLogin.describe(new SQLException("deadlock", "40P01"))).isEmpty();
    assertThat(RefusedLogin.describe(new IllegalStateException("no SQL here"))).isEmpty();
  }
}
