package dev.pt2cache.namespace;

/** An artifact larger than its namespace's whole quota: eviction would take it at once. */
public class ExceedsQuotaException extends RuntimeException {

  ExceedsQuotaException(String namespace, long sizeBytes, long quotaBytes) {
    super(
        "an artifact of %d bytes cannot be kept in namespace '%s', whose quota is %d bytes"
            .formatted(sizeBytes, namespace, quotaBytes));
  }
}
