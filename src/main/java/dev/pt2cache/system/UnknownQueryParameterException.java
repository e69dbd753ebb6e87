package dev.pt2cache.system;

import java.util.SortedSet;

/** A query parameter the operation does not declare. */
public class UnknownQueryParameterException extends RuntimeException {

  /** {@code known}: the operation's parameters, in the order they are named to the caller. */
  UnknownQueryParameterException(String name, SortedSet<String> known) {
    super(
        known.isEmpty()
            ? "unknown query parameter %s: this operation takes none".formatted(name)
            : "unknown query parameter %s: this operation accepts %s"
                .formatted(name, String.join(", ", known)));
  }
}
