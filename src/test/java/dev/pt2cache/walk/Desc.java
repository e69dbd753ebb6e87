package dev.pt2cache.walk;

/**
 * A descriptor's fields that selectors read; the rest is fixed. A descriptor without {@code rocm}
 * is a CUDA node's (CUDA 13.0).
 */
record Desc(
    String model,
    String version,
    String torch,
    String gpu,
    String fingerprint,
    String rocm,
    String python) {

  /** A ROCm release none of the walk's descriptors has: a selector of it matches nothing. */
  static final String NO_ONES_ROCM = "6.4.1";

  /** The value a selector's {@code member} (its name in the API) is compared with; may be null. */
  String member(String name) {
    return switch (name) {
      case "modelName" -> model;
      case "modelVersion" -> version;
      case "torch" -> torch;
      case "gpu" -> gpu;
      case "modelFingerprint" -> fingerprint;
      case "rocm" -> rocm;
      case "python" -> python;
      default -> throw new IllegalArgumentException(name);
    };
  }

  /**
   * A value of {@code member} to select by: this descriptor's, or one none has where it has none.
   */
  String selectable(String member) {
    String value = member(member);
    return value != null ? value : NO_ONES_ROCM;
  }
}
