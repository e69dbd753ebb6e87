package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pt2cache.support.PrivateCa;
import dev.pt2cache.system.StartRefusedException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code PT2CACHE_S3_CA_BUNDLE} makes the store's clients trust: every CA in the file (a
 * region bundle, or the old and the new CA while one is rotated), nothing else, and a file with no
 * certificate refuses the start naming the setting (docs/adr/0053).
 */
class StoreCaBundleTest {

  @TempDir static Path folder;
  private static PrivateCa ca;
  private static PrivateCa nextCa;
  private static PrivateCa otherCa;

  @BeforeAll
  static void makeCas() throws Exception {
    ca = PrivateCa.create(folder.resolve("ca"), "pt2cache test store CA");
    nextCa = PrivateCa.create(folder.resolve("next-ca"), "pt2cache test store CA, next");
    otherCa = PrivateCa.create(folder.resolve("other-ca"), "some other CA");
  }

  @Test
  void shouldTrustAStoreSignedByAnyCaOfTheBundleAndNoOther() throws Exception {
    Path bundle = folder.resolve("bundle.pem");
    Files.writeString(
        bundle, Files.readString(ca.caCertificate()) + Files.readString(nextCa.caCertificate()));
    X509TrustManager trust = (X509TrustManager) StoreCaBundle.read(bundle).trustManagers()[0];

    for (PrivateCa signer : new PrivateCa[] {ca, nextCa}) {
      assertThatCode(() -> trust.checkServerTrusted(chain(signer), "ECDHE_RSA"))
          .doesNotThrowAnyException();
    }
    assertThatThrownBy(() -> trust.checkServerTrusted(chain(otherCa), "ECDHE_RSA"))
        .isInstanceOf(CertificateException.class);
  }

  @Test
  void shouldRefuseAFileWithoutACertificateNamingTheSetting() throws Exception {
    Path empty = Files.createFile(folder.resolve("empty.pem"));
    // a refusal of the start, shown as its short report (StartRefused), not a stack trace
    assertThatThrownBy(() -> StoreCaBundle.read(empty))
        .isInstanceOfSatisfying(
            StartRefusedException.class,
            refused -> {
              assertThat(refused.problem()).contains("PT2CACHE_S3_CA_BUNDLE=" + empty);
              assertThat(refused.action()).contains("PT2CACHE_S3_CA_BUNDLE");
            });
  }

  @Test
  void shouldTrustTheCertificatesOfAFileThatAlsoHoldsAKeyAndSayNothingOfTheKey() throws Exception {
    // the combined file MinIO or cert-manager writes: a key beside the certificates, as the AWS
    // CLI's AWS_CA_BUNDLE and curl's --cacert read it (the certificates; other blocks skipped)
    Path combined = folder.resolve("combined.pem");
    Files.writeString(
        combined,
        Files.readString(ca.serverKey())
            + Files.readString(ca.caCertificate())
            + "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n"
            + Files.readString(nextCa.caCertificate()));
    assertTrustsCaAndNextCaOnly(combined);

    Path keyOnly = folder.resolve("key-only.pem");
    Files.writeString(keyOnly, Files.readString(ca.serverKey()));
    String keyLine = Files.readAllLines(ca.serverKey()).get(1);
    assertThatThrownBy(() -> StoreCaBundle.read(keyOnly))
        .hasMessageContaining("PT2CACHE_S3_CA_BUNDLE=" + keyOnly)
        .hasMessageContaining("holds no PEM certificate")
        .hasMessageNotContaining(keyLine.substring(0, 16));
  }

  @Test
  void shouldTrustOpenSslsTrustedCertificatesAndCrlfLineEnds() throws Exception {
    Path trusted = folder.resolve("trusted.pem");
    Files.writeString(
        trusted,
        Files.readString(ca.trustedCaCertificate())
            + Files.readString(nextCa.trustedCaCertificate()));
    assertThat(Files.readString(trusted)).contains("-----BEGIN TRUSTED CERTIFICATE-----");
    assertTrustsCaAndNextCaOnly(trusted);

    Path crlf = folder.resolve("crlf.pem");
    Files.writeString(
        crlf,
        (Files.readString(ca.serverKey())
                + Files.readString(ca.caCertificate())
                + Files.readString(nextCa.caCertificate()))
            .replace("\n", "\r\n"));
    assertTrustsCaAndNextCaOnly(crlf);
  }

  @Test
  void shouldNotTrustACertificateBlockCommentedOut() throws Exception {
    // an operator takes the old CA out of the bundle as OpenSSL reads it: a marker that does not
    // start its line begins no block, for curl, the AWS CLI and this service alike
    Path bundle = folder.resolve("commented.pem");
    Files.writeString(
        bundle,
        Files.readString(ca.caCertificate())
            + Files.readString(nextCa.caCertificate())
            + Files.readString(otherCa.caCertificate()).replaceAll("(?m)^", "# "));
    assertTrustsCaAndNextCaOnly(bundle);
  }

  @Test
  void shouldRefuseABundleCutShortNamingTheSettingAndSayingNothingOfItsContent() throws Exception {
    // the last CA cut off before its END line (a copy interrupted): read without it, the store's
    // handshakes would fail later, far from the cause; OpenSSL refuses such a file too
    String next = Files.readString(nextCa.caCertificate());
    String cut = next.substring(0, next.indexOf("-----END"));
    Path bundle = folder.resolve("cut.pem");
    Files.writeString(bundle, Files.readString(ca.caCertificate()) + cut);
    assertThatThrownBy(() -> StoreCaBundle.read(bundle))
        .hasMessageContaining("PT2CACHE_S3_CA_BUNDLE=" + bundle)
        .hasMessageContaining("1 could not be read whole")
        .hasMessageNotContaining(cut.lines().skip(1).findFirst().orElseThrow());
  }

  /**
   * A path to some large file by mistake (a log, an archive): read whole, one of 3 GiB stopped the
   * start with an OutOfMemoryError's stack trace, and a smaller one took that much heap first.
   */
  @Test
  void shouldRefuseAFileFarLargerThanABundleWithoutReadingIt() throws Exception {
    Path large = folder.resolve("large.pem");
    try (RandomAccessFile file = new RandomAccessFile(large.toFile(), "rw")) {
      file.setLength(3L << 30); // sparse: no disk taken
    }
    try {
      assertThatThrownBy(() -> StoreCaBundle.read(large))
          .isInstanceOfSatisfying(
              StartRefusedException.class,
              refused ->
                  assertThat(refused.problem())
                      .contains("PT2CACHE_S3_CA_BUNDLE=" + large, "3,221,225,472 bytes"));
    } finally {
      Files.delete(large);
    }
  }

  private static void assertTrustsCaAndNextCaOnly(Path bundle) {
    X509TrustManager trust = (X509TrustManager) StoreCaBundle.read(bundle).trustManagers()[0];
    for (PrivateCa signer : new PrivateCa[] {ca, nextCa}) {
      assertThatCode(() -> trust.checkServerTrusted(chain(signer), "ECDHE_RSA"))
          .as("%s signed by %s", bundle.getFileName(), signer.caCertificate())
          .doesNotThrowAnyException();
    }
    assertThatThrownBy(() -> trust.checkServerTrusted(chain(otherCa), "ECDHE_RSA"))
        .isInstanceOf(CertificateException.class);
    assertThat(trust.getAcceptedIssuers()).hasSize(2);
  }

  private static X509Certificate[] chain(PrivateCa signer) throws Exception {
    try (InputStream in = Files.newInputStream(signer.serverCertificate())) {
      return new X509Certificate[] {
        (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in)
      };
    }
  }
}
