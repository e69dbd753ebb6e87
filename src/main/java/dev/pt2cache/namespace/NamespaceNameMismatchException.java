package dev.pt2cache.namespace;

/** A namespace's settings whose {@code name} is not the namespace the path names. */
public class NamespaceNameMismatchException extends RuntimeException {

  NamespaceNameMismatchException(String path, String body) {
    super(
        "the body names namespace '%s' but the path names '%s': give the same name, or leave name out"
            .formatted(body, path));
  }
}
