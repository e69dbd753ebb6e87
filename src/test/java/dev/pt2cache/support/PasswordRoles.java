package dev.pt2cache.support;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Roles whose password PostgreSQL checks at login (the embedded server trusts every local login),
 * for tests that change a password under a running pool.
 */
public final class PasswordRoles {

  private PasswordRoles() {}

  /**
   * Creates {@code role}, whose password PostgreSQL checks ({@link #checkPasswordOf}), logging in
   * as the suite's role ({@code ALTER ROLE ... SET role}), as the procedure of docs/operations.md
   * has it. Answers {@code pg_hba.conf}'s lines as they were, for {@link #writeHba}.
   */
  public static List<String> create(Connection admin, String role, String password)
      throws SQLException {
    String suite = TestInfra.serviceEnvironment().get("PT2CACHE_DB_USER");
    try (Statement sql = admin.createStatement()) {
      sql.execute("create role " + role + " login password '" + password + "'");
      sql.execute("grant \"" + suite + "\" to " + role);
      sql.execute("alter role " + role + " set role = '" + suite + "'");
    }
    return checkPasswordOf(admin, role);
  }

  /**
   * Makes PostgreSQL check {@code role}'s password: a first line of {@code pg_hba.conf} for it
   * alone, written by the server ({@code COPY ... TO}, so in a container too). Answers the file's
   * lines as they were, for {@link #writeHba}.
   */
  public static List<String> checkPasswordOf(Connection admin, String role) throws SQLException {
    List<String> before = new ArrayList<>();
    try (Statement statement = admin.createStatement();
        ResultSet rs = statement.executeQuery("select pg_read_file(current_setting('hba_file'))")) {
      rs.next();
      before.addAll(List.of(rs.getString(1).split("\n")));
    }
    List<String> lines = new ArrayList<>();
    lines.add("host all " + role + " all scram-sha-256");
    lines.addAll(before);
    writeHba(admin, lines);
    return before;
  }

  public static void writeHba(Connection admin, List<String> lines) throws SQLException {
    try (Statement statement = admin.createStatement()) {
      statement.execute("create temporary table if not exists hba_lines (n int, line text)");
      statement.execute("truncate hba_lines");
      try (PreparedStatement insert =
          admin.prepareStatement("insert into hba_lines values (?, ?)")) {
        for (int i = 0; i < lines.size(); i++) {
          insert.setInt(1, i);
          insert.setString(2, lines.get(i));
          insert.executeUpdate();
        }
      }
      String file;
      try (ResultSet rs = statement.executeQuery("select current_setting('hba_file')")) {
        rs.next();
        file = rs.getString(1);
      }
      statement.execute(
          "copy (select line from hba_lines order by n) to '" + file.replace("'", "''") + "'");
      statement.execute("select pg_reload_conf()");
    }
  }
}
