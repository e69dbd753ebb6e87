package dev.pt2cache.entry;

/**
 * The instance's own temporary storage could not take a body sent without its digest: the spool
 * file could not be made, written or read back (the disk is full, read-only, or its directory was
 * deleted). The client is not at fault; this instance is, until its operator mends its disk.
 */
public class SpoolUnavailableException extends RuntimeException {

  SpoolUnavailableException(Throwable cause) {
    super(
        "this instance could not write the body to its temporary storage to hash it; retry, or"
            + " send X-Content-SHA256 and Content-Length, which need no temporary storage",
        cause);
  }
}
