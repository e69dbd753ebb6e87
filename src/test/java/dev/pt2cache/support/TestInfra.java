package dev.pt2cache.support;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;

/**
 * The PostgreSQL and S3 server the service under test talks to: in-process by default, or
 * containers (PostgreSQL 17 + MinIO) with {@code -Dpt2cache.test.infra=containers}.
 */
public final class TestInfra {

  public static final String MODE_PROPERTY = "pt2cache.test.infra";

  private TestInfra() {}

  public static boolean containers() {
    return "containers".equals(System.getProperty(MODE_PROPERTY, "embedded"));
  }

  /** The service's environment for the current infrastructure, starting it on first use. */
  public static Map<String, String> serviceEnvironment() {
    return containers()
        ? ContainerInfra.shared().serviceEnvironment()
        : EmbeddedInfra.shared().serviceEnvironment();
  }

  /** Creates a database of a test's own beside the shared one; answers its JDBC URL. */
  public static String createDatabase(String name) throws SQLException {
    return createDatabase(name, "");
  }

  /**
   * Creates a database of a test's own beside the shared one, with {@code options} of {@code CREATE
   * DATABASE} ({@code encoding 'SQL_ASCII' template template0}); answers its JDBC URL.
   */
  public static String createDatabase(String name, String options) throws SQLException {
    try (Connection admin = adminConnection();
        var statement = admin.createStatement()) {
      statement.execute("create database " + name + " " + options);
    }
    return serviceEnvironment()
        .get("PT2CACHE_DB_URL")
        .replaceFirst("/[^/?]+(\\?|$)", "/" + name + "$1");
  }

  /** Drops a database {@link #createDatabase} made, whoever is still connected to it. */
  public static void dropDatabase(String name) throws SQLException {
    try (Connection admin = adminConnection();
        var statement = admin.createStatement()) {
      statement.execute("drop database if exists " + name + " with (force)");
    }
  }

  /** A connection of the test's own to that database, as the service's user (a superuser). */
  public static Connection adminConnection() throws SQLException {
    Map<String, String> env = serviceEnvironment();
    return DriverManager.getConnection(
        env.get("PT2CACHE_DB_URL"), env.get("PT2CACHE_DB_USER"), env.get("PT2CACHE_DB_PASSWORD"));
  }
}
