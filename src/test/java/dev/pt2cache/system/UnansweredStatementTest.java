package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.SocketTimeoutException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** Which failures are said as a statement PostgreSQL did not answer, and which are not. */
class UnansweredStatementTest {

  @Test
  void shouldSayAReadOfTheDriverThatTimedOutWithItsPlaceAndBound() {
    var failure =
        new IllegalStateException(
            "could not execute statement",
            new SQLException(
                "An I/O error occurred while sending to the backend.",
                "08006",
                new SocketTimeoutException("Read timed out")));

    assertThat(
            UnansweredStatement.describe(
                failure, "a statement of housekeeping job purge", "PT2CACHE_JOB_LOCK_TIMEOUT"))
        .hasValueSatisfying(
            line ->
                assertThat(line)
                    .startsWith(
                        "PostgreSQL did not answer a statement of housekeeping job purge within"
                            + " PT2CACHE_JOB_LOCK_TIMEOUT (An I/O error occurred while sending to"
                            + " the backend. Read timed out)"));
  }

  @Test
  void shouldNotBlamePostgresqlForAReadTimeoutOfTheObjectStoresClient() {
    // what the S3 client throws when the store does not answer (no SQLException on the way)
    var failure =
        new RuntimeException(
            "Unable to execute HTTP request: Read timed out",
            new SocketTimeoutException("Read timed out"));

    assertThat(
            UnansweredStatement.describe(
                failure, "a statement of housekeeping job reconcile", "PT2CACHE_JOB_LOCK_TIMEOUT"))
        .isEmpty();
  }
}
