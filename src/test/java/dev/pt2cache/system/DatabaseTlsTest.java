package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.pt2cache.Pt2CacheApplication;
import dev.pt2cache.support.ApiClient;
import dev.pt2cache.support.EmbeddedInfra;
import dev.pt2cache.support.PrivateCa;
import dev.pt2cache.support.TestInfra;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * PostgreSQL that takes TLS connections only (pg_hba.conf: {@code hostssl} lines alone, as with
 * Amazon RDS's {@code rds.force_ssl=1}), its certificate signed by a private CA: the service
 * reaches it with {@code sslmode=verify-full&sslrootcert=<the CA's PEM>} in {@code
 * PT2CACHE_DB_URL}, every connection it opens (the pool, Flyway, ShedLock, the readiness check's
 * own) goes over TLS, and a CA that did not sign the server's certificate stops the start, saying
 * so.
 */
class DatabaseTlsTest {

  @TempDir static Path folder;
  private static EmbeddedPostgres postgres;
  private static PrivateCa ca;
  private static PrivateCa otherCa;

  @BeforeAll
  static void startPostgresWithTlsOnly() throws Exception {
    ca = PrivateCa.create(folder.resolve("ca"), "pt2cache test database CA");
    otherCa = PrivateCa.create(folder.resolve("other-ca"), "some other CA");
    Path data = folder.resolve("postgres");
    postgres =
        EmbeddedPostgres.builder()
            .setDataDirectory(data)
            .setCleanDataDirectory(true)
            .setRegisterShutdownHook(false)
            .start();
    // PostgreSQL reads its key only if its own user owns it, readable by no one else
    UserPrincipal owner = Files.getOwner(data);
    for (Path file : new Path[] {ca.serverCertificate(), ca.serverKey()}) {
      Path copy = data.resolve(file.getFileName());
      Files.copy(file, copy);
      Files.setOwner(copy, owner);
      Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-------"));
    }
    Files.writeString(
        data.resolve("pg_hba.conf"),
        "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostssl all all ::1/128 trust\n");
    try (Connection admin = postgres.getPostgresDatabase().getConnection();
        var statement = admin.createStatement()) {
      statement.execute("alter system set ssl_cert_file = 'server.pem'");
      statement.execute("alter system set ssl_key_file = 'server.key'");
      statement.execute("alter system set ssl = on");
      statement.execute("select pg_reload_conf()");
    }
  }

  @AfterAll
  static void stop() throws Exception {
    postgres.close();
  }

  private static String url(Path rootCertificate) {
    return "jdbc:postgresql://localhost:%d/postgres?sslmode=verify-full&sslrootcert=%s"
        .formatted(postgres.getPort(), rootCertificate);
  }

  @Test
  void shouldServeOverTlsOnlyWithThePrivateCaInTheUrl() throws Exception {
    assertThatThrownBy(
            () ->
                connect(
                    "jdbc:postgresql://localhost:%d/postgres?sslmode=disable"
                        .formatted(postgres.getPort())))
        .as("the database takes no plaintext connection")
        .hasMessageContaining("no encryption");

    try (ConfigurableApplicationContext service = start(url(ca.caCertificate()))) {
      int port = ((WebServerApplicationContext) service).getWebServer().getPort();
      ApiClient api = new ApiClient(port, EmbeddedInfra.ADMIN_TOKEN);
      assertThat(api.get("/actuator/health/readiness").status()).isEqualTo(200);
      String ns = "tls-" + UUID.randomUUID().toString().substring(0, 8);
      assertThat(api.putJson("/v1/namespaces/" + ns, "{}").status()).isEqualTo(201);
      byte[] entry = "an entry written over TLS".getBytes();
      assertThat(api.putBytes("/v1/namespaces/" + ns + "/entries/fx-graph/k1", entry).status())
          .isIn(200, 201);
      assertThat(api.get("/v1/namespaces/" + ns + "/entries/fx-graph/k1").body()).isEqualTo(entry);

      try (Connection check = connect(url(ca.caCertificate()));
          var rows =
              check
                  .createStatement()
                  .executeQuery(
                      "select count(*) filter (where s.ssl), count(*) filter (where not s.ssl)"
                          + " from pg_stat_activity a join pg_stat_ssl s using (pid)"
                          + " where a.backend_type = 'client backend'"
                          + " and a.application_name like 'pt2cache%'")) {
        rows.next();
        assertThat(rows.getInt(1)).as("the service's connections over TLS").isPositive();
        assertThat(rows.getInt(2)).as("the service's connections in plaintext").isZero();
      }
    }
  }

  @Test
  void shouldRefuseToStartSayingSoWhenAnotherCaSignedTheDatabasesCertificate() {
    FailureAnalysis analysis = refusedAtStart(url(otherCa.caCertificate()));
    assertThat(analysis.getDescription())
        .contains("did not take this instance's first connection")
        .contains("PKIX path")
        .contains("Nothing was migrated");
    assertThat(analysis.getAction()).contains("sslrootcert").contains("verify-full");
  }

  @Test
  void shouldRefuseToStartSayingSoWhenTheDatabasesCertificateNamesAnotherHost() {
    // the CA is right, the host is not one the certificate names (localhost, 127.0.0.1): 127.1
    // reaches the same server (127.0.0.1, written short), and pgjdbc's verify-full refuses the
    // name after the handshake, in an exception of its own with no TLS exception as its cause
    FailureAnalysis analysis =
        refusedAtStart(
            "jdbc:postgresql://127.1:%d/postgres?sslmode=verify-full&sslrootcert=%s"
                .formatted(postgres.getPort(), ca.caCertificate()));
    assertThat(analysis.getDescription())
        .contains("did not take this instance's first connection")
        .contains("127.1")
        .contains("Nothing was migrated");
    assertThat(analysis.getAction()).contains("host name the certificate was issued for");
  }

  /** What the start's failure analysis says when the service cannot start on {@code jdbcUrl}. */
  private static FailureAnalysis refusedAtStart(String jdbcUrl) {
    Throwable failure = catchThrowable(() -> start(jdbcUrl).close());
    assertThat(failure).as("the start was refused").isNotNull();
    FailureAnalysis analysis = new DatabaseRefusedAtStart().analyze(failure);
    assertThat(analysis).isNotNull();
    return analysis;
  }

  private static Connection connect(String url) throws SQLException {
    Properties login = new Properties();
    login.setProperty("user", "postgres");
    return DriverManager.getConnection(url, login);
  }

  private static ConfigurableApplicationContext start(String jdbcUrl) {
    Map<String, Object> properties = new LinkedHashMap<>(TestInfra.serviceEnvironment());
    properties.put("PT2CACHE_PORT", "0");
    properties.put("PT2CACHE_DB_URL", jdbcUrl);
    properties.put("PT2CACHE_DB_USER", "postgres");
    // a bucket of its own: the shared one is another deployment's (docs/adr/0021)
    properties.put("PT2CACHE_S3_BUCKET", "tls-" + UUID.randomUUID().toString().substring(0, 8));
    properties.put("PT2CACHE_HOUSEKEEPING_ENABLED", "false");
    return new SpringApplicationBuilder(Pt2CacheApplication.class).properties(properties).run();
  }
}
