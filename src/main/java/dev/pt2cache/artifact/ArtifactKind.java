package dev.pt2cache.artifact;

import java.util.Arrays;

/**
 * What an artifact holds. Descriptor-addressed kinds get their key derived from the descriptor;
 * key-addressed kinds are PyTorch's own fine-grained caches, keyed by PyTorch's hash.
 */
public enum ArtifactKind {
  MEGA_CACHE("mega-cache", true),
  INDUCTOR_DIR("inductor-dir", true),
  FX_GRAPH("fx-graph", false),
  AOT_AUTOGRAD("aot-autograd", false),
  AUTOTUNE("autotune", false),
  BUNDLED_AUTOTUNE("bundled-autotune", false),
  PGO("pgo", false);

  private final String wireName;
  private final boolean descriptorAddressed;

  ArtifactKind(String wireName, boolean descriptorAddressed) {
    this.wireName = wireName;
    this.descriptorAddressed = descriptorAddressed;
  }

  public String wireName() {
    return wireName;
  }

  public boolean descriptorAddressed() {
    return descriptorAddressed;
  }

  public static ArtifactKind fromWire(String wireName) {
    return Arrays.stream(values())
        .filter(k -> k.wireName.equals(wireName))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown kind " + wireName));
  }
}
