package dev.pt2cache.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A certificate authority of its own, made with {@code openssl} in a folder: its certificate
 * ({@link #caCertificate()}, PEM) and one server certificate it signed for {@code localhost} and
 * {@code 127.0.0.1}, as PEM files and as a PKCS#12 key store ({@link #KEYSTORE_PASSWORD}). What an
 * operator's private CA gives a PostgreSQL, an object store or a TLS terminator.
 */
public final class PrivateCa {

  public static final String KEYSTORE_PASSWORD = "pt2cache-test";

  private final Path folder;

  private PrivateCa(Path folder) {
    this.folder = folder;
  }

  /** A new CA, named {@code name}, and its server certificate, under {@code folder}. */
  public static PrivateCa create(Path folder, String name)
      throws IOException, InterruptedException {
    Files.createDirectories(folder);
    PrivateCa ca = new PrivateCa(folder);
    ca.openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=" + name,
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem");
    Files.writeString(folder.resolve("server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    ca.openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-keyout",
        "server.key",
        "-out",
        "server.csr");
    ca.openssl(
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "server.ext",
        "-out",
        "server.pem");
    ca.openssl(
        "pkcs12",
        "-export",
        "-in",
        "server.pem",
        "-inkey",
        "server.key",
        "-name",
        "server",
        "-passout",
        "pass:" + KEYSTORE_PASSWORD,
        "-out",
        "server.p12");
    return ca;
  }

  public Path caCertificate() {
    return folder.resolve("ca.pem");
  }

  /**
   * The CA's certificate in OpenSSL's own {@code TRUSTED CERTIFICATE} PEM form (trusted for server
   * authentication), as {@code openssl x509 -trustout} writes it.
   */
  public Path trustedCaCertificate() throws IOException, InterruptedException {
    openssl("x509", "-in", "ca.pem", "-trustout", "-addtrust", "serverAuth", "-out", "trusted.pem");
    return folder.resolve("trusted.pem");
  }

  public Path serverCertificate() {
    return folder.resolve("server.pem");
  }

  public Path serverKey() {
    return folder.resolve("server.key");
  }

  /** The server's key and certificate, for a Java server (S3Proxy's {@code keyStore}). */
  public Path serverKeyStore() {
    return folder.resolve("server.p12");
  }

  private void openssl(String... arguments) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(arguments));
    Process process =
        new ProcessBuilder(command).directory(folder.toFile()).redirectErrorStream(true).start();
    String said = new String(process.getInputStream().readAllBytes());
    if (process.waitFor() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + said);
    }
  }
}
