package dev.pt2cache.namespace;

/**
 * A namespace's quota changed by a caller whose grant holds in that namespace alone: the quota
 * bounds what the namespace may store, and only the operator (a grant in every namespace) sets it.
 */
public class QuotaChangeForbiddenException extends RuntimeException {

  QuotaChangeForbiddenException(String namespace, Long stored) {
    super(
        "only a token for every namespace may change quotaBytes; send namespace '%s' its quota unchanged (%s)"
            .formatted(
                namespace,
                stored == null ? "left out: the service's default applies" : stored.toString()));
  }
}
