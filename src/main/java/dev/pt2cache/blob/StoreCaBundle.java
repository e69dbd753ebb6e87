package dev.pt2cache.blob;

import dev.pt2cache.system.Causes;
import dev.pt2cache.system.StartRefusedException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import software.amazon.awssdk.http.TlsTrustManagersProvider;

/**
 * The certificate authorities that {@code PT2CACHE_S3_CA_BUNDLE} names (a PEM file of one or more
 * certificates, as MinIO, Ceph or a company's CA hand them out): the store's HTTPS certificate must
 * chain to one of them, and to nothing else, as with the AWS CLI's {@code AWS_CA_BUNDLE}. Other PEM
 * blocks in the file (a private key beside the certificates) are skipped. Read once, at start; a
 * file that is missing or holds no certificate refuses the start, naming the setting
 * (docs/adr/0053).
 */
final class StoreCaBundle implements TlsTrustManagersProvider {

  static final String SETTING = "PT2CACHE_S3_CA_BUNDLE";

  /** The largest bundle read: 16 MiB, some seventy times all of Mozilla's root CAs. */
  static final long MAX_BYTES = 16L << 20;

  private final TrustManager[] trustManagers;

  private StoreCaBundle(TrustManager[] trustManagers) {
    this.trustManagers = trustManagers;
  }

  /**
   * The PEM blocks read as certificates: OpenSSL's {@code TRUSTED CERTIFICATE} is a certificate
   * followed by OpenSSL's own trust settings, of which only the certificate is read. Each marker
   * starts its line, as OpenSSL reads them: a block commented out ({@code # -----BEGIN ...}, a CA
   * an operator took out of the bundle) is no certificate.
   */
  private static final Pattern CERTIFICATE_BLOCK =
      Pattern.compile(
          "^-----BEGIN (TRUSTED )?CERTIFICATE-----[ \\t]*$([^-]*)"
              + "^-----END (TRUSTED )?CERTIFICATE-----[ \\t]*$",
          Pattern.MULTILINE);

  /** Where a certificate block starts, read whole or not. */
  private static final Pattern CERTIFICATE_BEGIN =
      Pattern.compile("^-----BEGIN (TRUSTED )?CERTIFICATE-----", Pattern.MULTILINE);

  /**
   * The trust of the certificates in the PEM file {@code bundle}: its {@code CERTIFICATE} blocks
   * (and OpenSSL's {@code TRUSTED CERTIFICATE}); any other block (the private key of a combined
   * file, as MinIO or cert-manager write them) is skipped, as the AWS CLI and curl skip it, and its
   * content is never read into a message.
   */
  static StoreCaBundle read(Path bundle) {
    try {
      long size = Files.size(bundle);
      if (size > MAX_BYTES) {
        // a path to some other large file by mistake: read whole, it took that much heap, or
        // stopped the start with an OutOfMemoryError's stack trace past 2 GiB
        throw startRefused(
            String.format(
                Locale.ROOT,
                "%s=%s is %,d bytes, more than the %,d a bundle may be (all of Mozilla's root CAs"
                    + " take about 220,000): is it the right file?",
                SETTING,
                bundle,
                size,
                MAX_BYTES),
            null);
      }
      String pem = Files.readString(bundle, StandardCharsets.ISO_8859_1);
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
      trusted.load(null, null);
      Matcher block = CERTIFICATE_BLOCK.matcher(pem);
      int n = 0;
      while (block.find()) {
        byte[] der = Base64.getMimeDecoder().decode(block.group(2));
        // one DER certificate is read from the stream: OpenSSL's trust settings after it are not
        trusted.setCertificateEntry(
            "ca-" + n++, factory.generateCertificate(new ByteArrayInputStream(der)));
      }
      long begun = CERTIFICATE_BEGIN.matcher(pem).results().count();
      if (begun != n) {
        // a bundle cut short, or a block with headers: a CA left out without a word would fail
        // the store's handshakes later, far from the cause (OpenSSL refuses such a file too)
        throw startRefused(
            "%s=%s holds %d CERTIFICATE blocks, of which %d could not be read whole (no END line,"
                    .formatted(SETTING, bundle, begun, begun - n)
                + " or a header line in the block): is the file complete?",
            null);
      }
      if (n == 0) {
        throw startRefused("%s=%s holds no PEM certificate".formatted(SETTING, bundle), null);
      }
      TrustManagerFactory trust =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(trusted);
      return new StoreCaBundle(trust.getTrustManagers());
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      throw startRefused(
          "%s=%s cannot be read as PEM certificates: %s".formatted(SETTING, bundle, e), e);
    }
  }

  /**
   * The start refused, in the short report of docs/operations.md, "When it will not start", not a
   * stack trace: the store's client is made with the bundle read, at start only.
   */
  private static StartRefusedException startRefused(String problem, Throwable cause) {
    return new StartRefusedException(
        problem,
        "Give in %s the PEM file of the CAs that signed the store's HTTPS certificate, or leave it"
                .formatted(SETTING)
            + " empty for the JVM's own (docs/configuration.md, TLS with a private CA).",
        cause);
  }

  /**
   * What to do when {@code failure} is a TLS handshake with the store that failed (its certificate
   * not trusted, or issued for another host name); empty for any other failure.
   */
  static Optional<String> refused(Throwable failure) {
    for (Throwable cause : Causes.chain(failure)) {
      if (cause instanceof SSLException) {
        return Optional.of(
            ("The store's HTTPS certificate was not accepted (%s): name the CA that signed it in"
                    + " %s (a PEM file), and the host name it was issued for in"
                    + " PT2CACHE_S3_ENDPOINT (docs/configuration.md, TLS with a private CA).")
                .formatted(cause.getMessage(), SETTING));
      }
    }
    return Optional.empty();
  }

  @Override
  public TrustManager[] trustManagers() {
    return trustManagers.clone();
  }
}
