package dev.pt2cache.system;

import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.net.ssl.SSLException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.Ordered;

/**
 * Says which setting to look at when PostgreSQL did not take an instance's first connection: a
 * database that does not exist, a wrong user or password, a host or port where nothing answers.
 * Measured by hand on the packaged jar: each ended its log with "Application run failed", the
 * entity manager's failure to initialise "flywayInitializer", and a 62 to 72-line stack trace whose
 * last "Caused by" held PostgreSQL's own words, naming no setting. Those words stay the
 * description; nothing was migrated, as no connection was made. {@link DatabaseFullAtStart} says
 * its own case ({@code 53300}) first.
 */
public class DatabaseRefusedAtStart implements FailureAnalyzer, Ordered {

  @Override
  public FailureAnalysis analyze(Throwable failure) {
    FailureAnalysis unanswered = unanswered(failure);
    if (unanswered != null) {
      return unanswered;
    }
    for (Throwable cause : Causes.chain(failure)) {
      if (cause instanceof SQLException sql && sql.getSQLState() != null) {
        if (WRITES_REFUSED.contains(sql.getSQLState())) {
          return writesRefused(sql);
        }
        boolean tls = tlsRefused(sql);
        String action = tls ? TLS_ACTION : action(sql.getSQLState());
        if (action != null) {
          return new FailureAnalysis(
              "PostgreSQL %s (SQL state %s): %s.%s%s"
                  .formatted(
                      tls || madeNoConnection(sql.getSQLState())
                          ? "did not take this instance's first connection"
                          : "broke off this instance's connection at start",
                      sql.getSQLState(),
                      // PostgreSQL's own sentence may end with its full stop already
                      sql.getMessage().replaceFirst("\\.$", ""),
                      tls || madeNoConnection(sql.getSQLState()) ? " Nothing was migrated." : "",
                      causes(sql)),
              action,
              sql);
        }
      }
    }
    return null;
  }

  /**
   * A start step's statement that PostgreSQL took and did not answer within the start's bound
   * ({@link StartAnswerWait}): said with the step, from the frames of the driver's failure, and the
   * setting. Before that bound, such a start waited in a socket read until its start probe ended
   * it.
   */
  private static FailureAnalysis unanswered(Throwable failure) {
    Throwable driver = null;
    for (Throwable cause : Causes.chain(failure)) {
      if (cause instanceof SQLException) {
        driver = cause;
      }
    }
    if (driver == null) {
      return null;
    }
    String step = step(driver);
    return UnansweredStatement.describe(failure, step, "PT2CACHE_DB_ANSWER_WAIT")
        .map(
            said ->
                new FailureAnalysis(
                    "The start stopped: " + said + ".",
                    "PostgreSQL at PT2CACHE_DB_URL took the statement and said nothing more (a"
                        + " stopped host or backend, a route dropped without a reset, an old"
                        + " primary in a failover). Check that it answers there (psql, select 1),"
                        + " then start again; each of the start's statements waits"
                        + " PT2CACHE_DB_ANSWER_WAIT for its answer (0s: for ever), a pending"
                        + " migration's without a bound (docs/adr/0039).",
                    failure))
        .orElse(null);
  }

  /** The start step whose statement {@code driver} failed, from its frames. */
  static String step(Throwable driver) {
    for (StackTraceElement frame : driver.getStackTrace()) {
      String at = frame.getClassName();
      if (at.startsWith("dev.pt2cache.system.PostgresVersionCheck")) {
        return "the PostgreSQL version check (server_version_num)";
      }
      if (at.startsWith("org.flywaydb")) {
        return "Flyway's reading of its schema history";
      }
      if (at.startsWith("org.hibernate")) {
        return "Hibernate's validation of the schema";
      }
      if (at.startsWith("dev.pt2cache.blob.DeploymentMarker")) {
        return "the deployment marker's check (table deployment)";
      }
    }
    return "a statement of the start";
  }

  /**
   * What the exception's causes say, where pgjdbc's own sentence may say nothing: "The connection
   * attempt failed." for a host name that does not resolve, a TLS failure or a connect timeout,
   * whose reason is only in its cause ({@code java.net.UnknownHostException: db.example}). The
   * report drops the exception's frames and its causes with them.
   */
  private static String causes(SQLException sql) {
    List<String> said =
        Causes.chain(sql).stream().skip(1).limit(5).map(Throwable::toString).toList();
    return said.isEmpty() ? "" : " Caused by: " + String.join("; ", said) + ".";
  }

  /**
   * Whether {@code state} says no connection was made at all, so nothing can have been migrated; a
   * connection lost on the way ({@code 08006}, {@code 08003}) may have come after a migration
   * committed.
   */
  private static boolean madeNoConnection(String state) {
    return !state.equals("08006") && !state.equals("08003");
  }

  /**
   * What to do when the TLS handshake failed: pgjdbc reports it as {@code 08006}, a connection
   * broken off, although none was made (measured: "broke off this instance's connection at start"
   * and the generic advice on host and port, for a server certificate that another CA signed).
   */
  private static final String TLS_ACTION =
      "PostgreSQL's certificate was not accepted. Name the CA that signed it (a PEM file, such as"
          + " Amazon RDS's region bundle) in PT2CACHE_DB_URL's sslrootcert, and with"
          + " sslmode=verify-full use the host name the certificate was issued for"
          + " (docs/configuration.md, TLS with a private CA).";

  /**
   * Whether {@code sql} is a TLS handshake that failed (a certificate not trusted) or a certificate
   * that names another host. pgjdbc's {@code sslmode=verify-full} checks the host name after the
   * handshake and says so in a {@code PSQLException} of its own, state {@code 08006}, with no cause
   * and a stack trace its login timeout refills: only its message tells, which names the verifier
   * ({@code PgjdbcHostnameVerifier}, or the class {@code sslhostnameverifier} names).
   */
  private static boolean tlsRefused(SQLException sql) {
    for (Throwable cause : Causes.chain(sql)) {
      if (cause instanceof SSLException
          || cause instanceof SQLException
              && String.valueOf(cause.getMessage())
                  .toLowerCase(Locale.ROOT)
                  .contains("hostnameverifier")) {
        return true;
      }
    }
    return false;
  }

  /** Read-only ({@code 25006}: a standby, {@code default_transaction_read_only}), disk full. */
  private static final Set<String> WRITES_REFUSED = Set.of("25006", "53100");

  /**
   * A start that had to write (a deployment's first: its schema and marker; an upgrade's
   * migrations) on a database that refuses writes. Running instances serve reads meanwhile, and a
   * later start of the same version starts (docs/adr/0039); this one cannot, and says why instead
   * of a stack trace that named Flyway's or the marker's failure first.
   */
  private static FailureAnalysis writesRefused(SQLException sql) {
    return new FailureAnalysis(
        "PostgreSQL refused this start's writes (SQL state %s): %s. A deployment's first start"
                .formatted(sql.getSQLState(), sql.getMessage().replaceFirst("\\.$", ""))
            + " (its schema, its marker) and an upgrade's migrations must write. "
            + ("25006".equals(sql.getSQLState())
                ? "Nothing was changed."
                : "Migrations applied before the one that failed stay applied"
                    + " (flyway_schema_history says which); the next start goes on from there."),
        "Point PT2CACHE_DB_URL at the primary (a failover may have left it on a standby), end"
            + " default_transaction_read_only, or free the database's disk; then start again."
            + " Instances already running keep serving reads meanwhile.",
        sql);
  }

  /** What to change for a connection refused with {@code state}; null for any other failure. */
  private static String action(String state) {
    return switch (state) {
      case "3D000" ->
          "Create that database, or name the one that exists in PT2CACHE_DB_URL"
              + " (jdbc:postgresql://host:port/database).";
      case "28P01", "28000" ->
          "Check PT2CACHE_DB_USER and PT2CACHE_DB_PASSWORD, and that pg_hba.conf lets this host"
              + " in as that user.";
      default ->
          state.startsWith("08")
              ? "Check the host and port in PT2CACHE_DB_URL, and that PostgreSQL runs there and"
                  + " takes connections from this host (listen_addresses, firewalls, sslmode); a"
                  + " connection attempt that timed out may also be a PostgreSQL, or a proxy in"
                  + " front of one that is gone, that took the connection and said nothing. A"
                  + " connection, its login included, is waited for PT2CACHE_DB_CONNECTION_WAIT_MS"
                  + " at most."
              : null;
    };
  }

  /** After {@link DatabaseFullAtStart}, before Spring's own analyzers. */
  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE + 1;
  }
}
