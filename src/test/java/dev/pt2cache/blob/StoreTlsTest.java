package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.pt2cache.Pt2CacheApplication;
import dev.pt2cache.support.ApiClient;
import dev.pt2cache.support.EmbeddedInfra;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.PrivateCa;
import dev.pt2cache.support.TestInfra;
import dev.pt2cache.system.StartRefused;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * An S3-compatible store on {@code https://} whose certificate a private CA signed (MinIO, Ceph
 * behind a company CA): {@code PT2CACHE_S3_CA_BUNDLE} names the CA's PEM, and uploads and downloads
 * go through; a store whose certificate another CA signed stops the start, or takes readiness down
 * once running, saying which setting to look at (docs/adr/0053).
 */
class StoreTlsTest {

  @TempDir static Path folder;
  private static PrivateCa ca;
  private static PrivateCa otherCa;
  private S3Proxy store;

  @BeforeAll
  static void makeCas() throws Exception {
    assumeFalse(TestInfra.containers(), "the https store serves the embedded store's files");
    ca = PrivateCa.create(folder.resolve("ca"), "pt2cache test store CA");
    otherCa = PrivateCa.create(folder.resolve("other-ca"), "some other CA");
  }

  @AfterEach
  void stopStore() throws Exception {
    if (store != null) {
      store.stop();
    }
  }

  @Test
  void shouldUploadAndDownloadWithTheStoresCaAndGoDownWhenAnotherCaSignsItsCertificate()
      throws Exception {
    store = httpsStore(ca, 0);
    int storePort = store.getSecurePort();
    try (ConfigurableApplicationContext service = start(storePort, ca.caCertificate())) {
      ApiClient api = api(service);
      assertThat(api.get("/actuator/health/readiness").status()).isEqualTo(200);
      String ns = "tls-" + UUID.randomUUID().toString().substring(0, 8);
      assertThat(api.putJson("/v1/namespaces/" + ns, "{}").status()).isEqualTo(201);
      // a small entry (read over the control client) and a larger one (the downloads' client)
      for (int size : new int[] {1000, 3_000_000}) {
        byte[] entry = Fixtures.randomBytes(size);
        String path = "/v1/namespaces/" + ns + "/entries/fx-graph/k" + size;
        assertThat(api.putBytes(path, entry).status()).isIn(200, 201);
        assertThat(api.get(path).body()).isEqualTo(entry);
      }

      // the store's certificate replaced by one that another CA signed
      store.stop();
      store = httpsStore(otherCa, storePort);
      Instant until = Instant.now().plusSeconds(20);
      int readiness = 200;
      while (readiness == 200 && Instant.now().isBefore(until)) {
        Thread.sleep(200);
        readiness = api.get("/actuator/health/readiness").status();
      }
      assertThat(readiness).isEqualTo(503);
      String health = api.get("/actuator/health").text();
      assertThat(health).contains("PKIX path").contains("PT2CACHE_S3_CA_BUNDLE");
    }
  }

  @Test
  void shouldRefuseToStartSayingSoWhenAnotherCaSignedTheStoresCertificate() throws Exception {
    store = httpsStore(ca, 0);
    assertThatThrownBy(() -> start(store.getSecurePort(), otherCa.caCertificate()).close())
        .satisfies(
            failure -> {
              FailureAnalysis analysis = new StoreRefusedAtStart().analyze(failure);
              assertThat(analysis).isNotNull();
              assertThat(analysis.getDescription()).contains("PKIX path");
              assertThat(analysis.getAction()).contains("PT2CACHE_S3_CA_BUNDLE");
            });
  }

  @Test
  void shouldRefuseToStartNamingTheSettingWhenTheBundleIsMissing() throws Exception {
    store = httpsStore(ca, 0);
    Path missing = folder.resolve("no-such-bundle.pem");
    assertThatThrownBy(() -> start(store.getSecurePort(), missing).close())
        .satisfies(
            failure -> {
              // the short report with every other wrong setting, not a stack trace
              FailureAnalysis analysis = new StartRefused().analyze(failure);
              assertThat(analysis).isNotNull();
              assertThat(analysis.getDescription())
                  .contains("PT2CACHE_S3_CA_BUNDLE) is " + missing);
            });
  }

  private static S3Proxy httpsStore(PrivateCa signer, int port) throws Exception {
    S3Proxy proxy =
        S3Proxy.builder()
            // the test run's store, on https: the bucket that the test database's marker names
            .blobStore(
                new FilesystemNio2BlobStore(
                    EmbeddedInfra.shared().dataDirectory().resolve("s3").toString()))
            .secureEndpoint(URI.create("https://127.0.0.1:" + port))
            .keyStore(signer.serverKeyStore().toString(), PrivateCa.KEYSTORE_PASSWORD)
            .awsAuthentication(
                AuthenticationType.AWS_V2_OR_V4,
                EmbeddedInfra.S3_IDENTITY,
                EmbeddedInfra.S3_CREDENTIAL)
            .build();
    proxy.start();
    Instant until = Instant.now().plus(Duration.ofSeconds(10));
    while (!"STARTED".equals(proxy.getState()) && Instant.now().isBefore(until)) {
      Thread.sleep(10);
    }
    return proxy;
  }

  private static ApiClient api(ConfigurableApplicationContext service) {
    int port = ((WebServerApplicationContext) service).getWebServer().getPort();
    return new ApiClient(port, EmbeddedInfra.ADMIN_TOKEN);
  }

  private static ConfigurableApplicationContext start(int storePort, Path caBundle) {
    Map<String, Object> properties = new LinkedHashMap<>(TestInfra.serviceEnvironment());
    properties.put("PT2CACHE_PORT", "0");
    properties.put("PT2CACHE_S3_ENDPOINT", "https://localhost:" + storePort);
    properties.put("PT2CACHE_S3_CA_BUNDLE", caBundle.toString());
    properties.put("PT2CACHE_HEALTH_DETAILS", "always");
    properties.put("PT2CACHE_HOUSEKEEPING_ENABLED", "false");
    return new SpringApplicationBuilder(Pt2CacheApplication.class).properties(properties).run();
  }
}
