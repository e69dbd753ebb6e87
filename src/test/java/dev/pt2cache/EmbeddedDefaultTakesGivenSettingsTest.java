package dev.pt2cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.EmbeddedInfra;
import dev.pt2cache.support.ServiceJvm;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded default ({@link LocalPt2Cache}) fills in only the settings nobody gave: a {@code
 * -DPT2CACHE_...} on its command line, or a {@code PT2CACHE_...} in its environment, wins over the
 * embedded default's value, as it does for the jar. Before, the embedded values were copied into
 * the system properties over them, and the service ran on the published admin token and the
 * embedded bucket whatever was given.
 */
class EmbeddedDefaultTakesGivenSettingsTest {

  private static final String OWN_TOKEN = "own-admin-secret-3f9c2a71d4e8b605";

  @Test
  void shouldRunOnTheSettingsGivenOnTheCommandLineAndInTheEnvironment(@TempDir Path data)
      throws Exception {
    try (ServiceJvm service =
        ServiceJvm.embeddedDefault(
            data,
            Stream.concat(
                    ServiceJvm.QUICK_START.stream(),
                    Stream.of("-DPT2CACHE_ADMIN_TOKEN=" + OWN_TOKEN))
                .toList(),
            Map.of("PT2CACHE_S3_BUCKET", "own-bucket"))) {
      assertThat(namespacesAs(service, OWN_TOKEN))
          .as("the admin token given with -D is the admin's")
          .isEqualTo(200);
      assertThat(namespacesAs(service, EmbeddedInfra.ADMIN_TOKEN))
          .as("the published one is not")
          .isEqualTo(401);
      assertThat(data.resolve("s3").resolve("own-bucket"))
          .as("the bucket named in the environment holds the data")
          .isDirectory();
      assertThat(Files.exists(data.resolve("s3").resolve(EmbeddedInfra.BUCKET)))
          .as("the embedded default's bucket is not used")
          .isFalse();
    }
  }

  /**
   * A PostgreSQL given by its address alone (a {@code PT2CACHE_DB_URL} a shell kept from a compose
   * session) is used with the service's own defaults for what was not given, not the embedded
   * server's credentials, and the start says which PostgreSQL it uses. Before, the embedded default
   * filled in its own user and password for the given server, and said "embedded PostgreSQL and S3
   * data under ..." whatever it used.
   */
  @Test
  void shouldUseAPostgreSqlGivenByItsAddressAsGivenAndSaySo(@TempDir Path data) throws Exception {
    String database = "given_" + Long.toHexString(System.nanoTime());
    String embedded = EmbeddedInfra.shared().jdbcUrl();
    try (Connection admin = DriverManager.getConnection(embedded);
        Statement statement = admin.createStatement()) {
      // the service's own default user (docs/configuration.md), as compose's PostgreSQL has it
      statement.execute(
          "do $$ begin if not exists (select from pg_roles where rolname = 'pt2cache') then"
              + " create role pt2cache login password 'pt2cache'; end if; end $$");
      statement.execute("create database " + database + " owner pt2cache");
    }
    String given = embedded.substring(0, embedded.lastIndexOf('/') + 1) + database;
    try (ServiceJvm service =
        ServiceJvm.embeddedDefault(
            data, ServiceJvm.QUICK_START, Map.of("PT2CACHE_DB_URL", given))) {
      assertThat(namespacesAs(service, EmbeddedInfra.ADMIN_TOKEN)).isEqualTo(200);
    }
    try (Connection connection =
            DriverManager.getConnection(embedded.replace("/postgres?", "/" + database + "?"));
        Statement statement = connection.createStatement();
        ResultSet installedBy =
            statement.executeQuery("select distinct installed_by from flyway_schema_history")) {
      assertThat(installedBy.next()).isTrue();
      assertThat(installedBy.getString(1))
          .as(
              "the given PostgreSQL is used as the service's defaults log in, not as the"
                  + " embedded one's user")
          .isEqualTo("pt2cache");
      assertThat(installedBy.next()).isFalse();
    }
    assertThat(Files.readString(data.resolve("service.log")))
        .as("the start says which PostgreSQL it uses")
        .contains("PostgreSQL: the one PT2CACHE_DB_URL names, as given")
        .contains("S3: the embedded one");
  }

  private static int namespacesAs(ServiceJvm service, String token) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(service.url() + "/v1/namespaces"))
                .header("Authorization", "Bearer " + token)
                .build(),
            BodyHandlers.discarding())
        .statusCode();
  }
}
