package dev.pt2cache.blob;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The store's HTTP connections, kept apart by what holds them (docs/adr/0014). A download holds a
 * connection for as long as its client takes to read, so a few hundred slow clients can take every
 * connection of a pool. Downloads therefore have a pool of their own ({@code max-connections}),
 * uploads another (sized by {@code max-concurrent-puts}, which bounds them already), and control
 * requests a third: existence checks, deletes and listings never wait behind a transfer. The
 * bucket's check (readiness) has a fourth, of its own: every instance meets a slow store at once,
 * and a check that waited behind the control requests took every instance out of service at once
 * (docs/adr/0014, amendment).
 *
 * @param downloads {@code GetObject} for every download
 * @param uploads {@code PutObject} and the multipart requests of uploads
 * @param control everything else but the bucket's check
 * @param health the bucket's {@code HEAD}, for the health check and the start's marker check
 */
public record StoreClients(S3Client downloads, S3Client uploads, S3Client control, S3Client health)
    implements AutoCloseable {

  /** One client for every kind of request, as a test of the store itself may use. */
  static StoreClients sharing(S3Client s3) {
    return new StoreClients(s3, s3, s3, s3);
  }

  /**
   * Closes each client once, however many roles it has; one that fails to close leaves the others
   * closed, and its failure is raised after them.
   */
  @Override
  public void close() {
    Set<S3Client> closed = Collections.newSetFromMap(new IdentityHashMap<>());
    RuntimeException failed = null;
    for (S3Client client : List.of(downloads, uploads, control, health)) {
      try {
        if (closed.add(client)) {
          client.close();
        }
      } catch (RuntimeException e) {
        if (failed == null) {
          failed = e;
        } else {
          failed.addSuppressed(e);
        }
      }
    }
    if (failed != null) {
      throw failed;
    }
  }
}
