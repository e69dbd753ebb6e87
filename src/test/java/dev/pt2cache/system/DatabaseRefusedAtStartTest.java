package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pt2cache.support.DockerWhenContainers;
import dev.pt2cache.support.LastLogLines;
import dev.pt2cache.support.ServiceInstances;
import dev.pt2cache.support.TestInfra;
import java.io.IOException;
import java.net.ConnectException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * An instance whose first connection PostgreSQL does not take ends its log naming the setting to
 * check, in PostgreSQL's own words, and no stack trace (before: "Application run failed" and 62 to
 * 72 lines of frames, the entity manager's failure first).
 */
@ExtendWith({DockerWhenContainers.class, OutputCaptureExtension.class})
@Tag("integration")
class DatabaseRefusedAtStartTest {

  private static final String URL = TestInfra.serviceEnvironment().get("PT2CACHE_DB_URL");

  @Test
  void shouldNameTheDatabaseThatDoesNotExistAndTheSettingThatNamesIt(CapturedOutput output) {
    String url = URL.replaceFirst("/[^/?]+(\\?|$)", "/no_such_database$1");

    assertThatThrownBy(() -> ServiceInstances.start(Map.of("PT2CACHE_DB_URL", url)).close())
        .hasStackTraceContaining("does not exist");

    assertThat(LastLogLines.of(output))
        .contains("APPLICATION FAILED TO START")
        .contains("database \"no_such_database\" does not exist")
        .contains("Nothing was migrated")
        .contains("name the one that exists in PT2CACHE_DB_URL")
        .doesNotContain("\tat ");
  }

  /**
   * A deployment's first start on a database that refuses writes (a failover left it on a standby,
   * or {@code default_transaction_read_only} is on): before, Spring's report named Flyway's failed
   * migration and its frames, and said nothing of the primary to point at.
   */
  @Test
  void shouldSayAFirstStartNeedsAWritableDatabase(CapturedOutput output) throws SQLException {
    String database = "read_only_first_" + UUID.randomUUID().toString().substring(0, 8);
    try (Connection admin = TestInfra.adminConnection();
        Statement statement = admin.createStatement()) {
      statement.execute("create database " + database);
      statement.execute("alter database " + database + " set default_transaction_read_only = on");
    }
    String url = URL.replaceFirst("/[^/?]+(\\?|$)", "/" + database + "$1");

    assertThatThrownBy(() -> ServiceInstances.start(Map.of("PT2CACHE_DB_URL", url)).close())
        .hasStackTraceContaining("read-only transaction");

    assertThat(LastLogLines.of(output))
        .contains("APPLICATION FAILED TO START")
        .contains("PostgreSQL refused this start's writes (SQL state 25006)")
        .contains("read-only transaction")
        .contains("Point PT2CACHE_DB_URL at the primary")
        .doesNotContain("\tat ");
  }

  @Test
  void shouldNameTheHostAndPortWhereNothingAnswers(CapturedOutput output) {
    assertThatThrownBy(
            () ->
                ServiceInstances.start(
                        Map.of("PT2CACHE_DB_URL", "jdbc:postgresql://127.0.0.1:1/postgres"))
                    .close())
        .hasStackTraceContaining("refused");

    assertThat(LastLogLines.of(output))
        .contains("APPLICATION FAILED TO START")
        .contains("Connection to 127.0.0.1:1 refused")
        .contains(
            "Connection to 127.0.0.1:1 refused. Check that the hostname and port are correct and that the postmaster is accepting TCP/IP connections. Nothing was migrated.")
        .contains("Check the host and port in PT2CACHE_DB_URL")
        .doesNotContain("\tat ");
  }

  /**
   * pgjdbc says only "The connection attempt failed." for a host name that does not resolve (and
   * for a TLS failure, a connect timeout): what went wrong is its cause's message, which the report
   * dropped, so an operator read no host name and no reason at all.
   */
  @Test
  void shouldSayWhyTheConnectionAttemptFailedInItsCausesWords(CapturedOutput output) {
    assertThatThrownBy(
            () ->
                ServiceInstances.start(
                        Map.of(
                            "PT2CACHE_DB_URL",
                            "jdbc:postgresql://no-such-host.invalid:5432/postgres"))
                    .close())
        .hasStackTraceContaining("no-such-host.invalid");

    assertThat(LastLogLines.of(output))
        .contains("APPLICATION FAILED TO START")
        .contains("The connection attempt failed")
        .contains("UnknownHostException: no-such-host.invalid")
        .contains("Check the host and port in PT2CACHE_DB_URL")
        .doesNotContain("\tat ");
  }

  @Test
  void shouldNotSayNothingWasMigratedWhenTheConnectionBrokeOffOnTheWay() {
    var analysis =
        new DatabaseRefusedAtStart()
            .analyze(
                new IllegalStateException(
                    "migration failed",
                    new SQLException(
                        "An I/O error occurred while sending to the backend.", "08006")));

    assertThat(analysis.getDescription())
        .contains("broke off this instance's connection at start")
        .contains("An I/O error occurred while sending to the backend")
        .doesNotContain("Nothing was migrated");
    assertThat(analysis.getAction()).contains("PT2CACHE_DB_URL");
  }

  /**
   * A connection attempt whose causes loop (a library's {@code initCause} on an exception already
   * further down) names each cause once. Before, the description repeated the loop's two causes
   * until five were written.
   */
  @Test
  void shouldNameEachCauseOnceWhereTheCausesLoop() {
    var refused = new ConnectException("Connection refused");
    var wrapped = new IOException("proxy handshake failed", refused);
    refused.initCause(wrapped);
    var analysis =
        new DatabaseRefusedAtStart()
            .analyze(new SQLException("The connection attempt failed.", "08001", wrapped));

    assertThat(analysis.getDescription())
        .endsWith(
            " Caused by: java.io.IOException: proxy handshake failed;"
                + " java.net.ConnectException: Connection refused.");
  }
}
