package dev.pt2cache.system;

import java.util.Set;
import java.util.TreeSet;

/** A query parameter the operation does not declare. */
public class UnknownQueryParameterException extends RuntimeException {

  UnknownQueryParameterException(String name, Set<String> known) {
    super(
        known.isEmpty()
            ? "unknown query parameter %s: this operation takes none".formatted(name)
            : "unknown query parameter %s: this operation accepts %s"
                .formatted(name, String.join(", ", new TreeSet<>(known))));
  }
}
