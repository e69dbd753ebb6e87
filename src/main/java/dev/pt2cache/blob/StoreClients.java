package dev.pt2cache.blob;

import software.amazon.awssdk.services.s3.S3Client;

/**
 * The store's HTTP connections, kept apart by what holds them (docs/adr/0014). A download holds a
 * connection for as long as its client takes to read, so a few hundred slow clients can take every
 * connection of a pool. Downloads therefore have a pool of their own ({@code max-connections}),
 * uploads another (sized by {@code max-concurrent-puts}, which bounds them already), and control
 * requests a third: health checks, existence checks, deletes and listings never wait behind a
 * transfer.
 *
 * @param downloads {@code GetObject} for every download
 * @param uploads {@code PutObject} and the multipart requests of uploads
 * @param control everything else
 */
public record StoreClients(S3Client downloads, S3Client uploads, S3Client control)
    implements AutoCloseable {

  /** One client for every kind of request, as a test of the store itself may use. */
  static StoreClients sharing(S3Client s3) {
    return new StoreClients(s3, s3, s3);
  }

  @Override
  public void close() {
    try {
      downloads.close();
    } finally {
      try {
        if (uploads != downloads) {
          uploads.close();
        }
      } finally {
        if (control != downloads) {
          control.close();
        }
      }
    }
  }
}
