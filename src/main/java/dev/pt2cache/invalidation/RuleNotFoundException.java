package dev.pt2cache.invalidation;

import java.util.UUID;

public class RuleNotFoundException extends RuntimeException {

  public RuleNotFoundException(String namespace, UUID id) {
    super("invalidation %s does not exist in namespace %s".formatted(id, namespace));
  }
}
