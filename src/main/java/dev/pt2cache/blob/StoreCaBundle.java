package dev.pt2cache.blob;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.Optional;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import software.amazon.awssdk.http.TlsTrustManagersProvider;

/**
 * The certificate authorities that {@code PT2CACHE_S3_CA_BUNDLE} names (a PEM file of one or more
 * certificates, as MinIO, Ceph or a company's CA hand them out): the store's HTTPS certificate must
 * chain to one of them, and to nothing else, as with the AWS CLI's {@code AWS_CA_BUNDLE}. Read
 * once, at start; a file that is missing or holds no certificate refuses the start, naming the
 * setting (docs/adr/0053).
 */
final class StoreCaBundle implements TlsTrustManagersProvider {

  static final String SETTING = "PT2CACHE_S3_CA_BUNDLE";

  private final TrustManager[] trustManagers;

  private StoreCaBundle(TrustManager[] trustManagers) {
    this.trustManagers = trustManagers;
  }

  /** The trust of the certificates in the PEM file {@code bundle}. */
  static StoreCaBundle read(Path bundle) {
    try (InputStream in = Files.newInputStream(bundle)) {
      Collection<? extends Certificate> certificates =
          CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certificates.isEmpty()) {
        throw new IllegalStateException(
            "%s=%s holds no PEM certificate".formatted(SETTING, bundle));
      }
      KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
      trusted.load(null, null);
      int n = 0;
      for (Certificate certificate : certificates) {
        trusted.setCertificateEntry("ca-" + n++, certificate);
      }
      TrustManagerFactory factory =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(trusted);
      return new StoreCaBundle(factory.getTrustManagers());
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException(
          "%s=%s cannot be read as PEM certificates: %s".formatted(SETTING, bundle, e), e);
    }
  }

  /**
   * What to do when {@code failure} is a TLS handshake with the store that failed (its certificate
   * not trusted, or issued for another host name); empty for any other failure.
   */
  static Optional<String> refused(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
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
