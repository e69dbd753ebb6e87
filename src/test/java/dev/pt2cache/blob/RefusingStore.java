package dev.pt2cache.blob;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.springframework.util.unit.DataSize;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A store that takes the service's key and denies it every request ({@code 403 AccessDenied}, as
 * AWS answers credentials without the operation's permission): a stand-in, since the test run's S3
 * server has no permissions to withhold (asked with a wrong secret, it refuses the key itself,
 * {@code SignatureDoesNotMatch}, which is another failure: {@link RefusedCredentials}). For tests
 * outside this package of what the service does when the store refuses an operation.
 */
public final class RefusingStore implements AutoCloseable {

  /** What AWS answers a request the credentials may not make. */
  private static final byte[] ACCESS_DENIED =
      ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code>"
              + "<Message>Access Denied</Message></Error>")
          .getBytes(StandardCharsets.UTF_8);

  private final HttpServer standIn;
  private final S3Client s3;
  private final S3BlobStore store;

  public RefusingStore() {
    try {
      standIn = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    standIn.createContext(
        "/",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          exchange.getResponseHeaders().add("Content-Type", "application/xml");
          exchange.sendResponseHeaders(403, ACCESS_DENIED.length);
          exchange.getResponseBody().write(ACCESS_DENIED);
          exchange.close();
        });
    standIn.start();
    StorageProperties properties =
        TestStorage.properties(
            URI.create("http://127.0.0.1:" + standIn.getAddress().getPort()),
            false,
            null,
            DataSize.ofMegabytes(6));
    this.s3 = S3StorageConfiguration.clientBuilder(properties).build();
    this.store = new S3BlobStore(StoreClients.sharing(s3), properties);
  }

  public BlobStore store() {
    return store;
  }

  @Override
  public void close() {
    try {
      store.close();
    } finally {
      s3.close();
      standIn.stop(0);
    }
  }
}
