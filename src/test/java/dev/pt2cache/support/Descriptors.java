package dev.pt2cache.support;

import java.util.UUID;

/** Descriptor JSON for tests: a realistic H100 / torch 2.11 node, with the parts a test varies. */
public final class Descriptors {

  private Descriptors() {}

  public static String uniqueModel() {
    return "model-" + UUID.randomUUID().toString().substring(0, 8);
  }

  public static String of(String model, String version, String torch, String gpu) {
    return """
        {"model": {"name": "%s", "version": "%s"},
         "software": {"torch": "%s", "triton": "3.6.0", "cuda": "13.0", "python": "3.12.3"},
         "hardware": {"gpu": "%s", "capability": "9.0", "tags": {"driver": "580.65"}},
         "compile": {"backend": "inductor", "mode": "default", "dynamic": false}}
        """
        .formatted(model, version, torch, gpu);
  }

  public static String of(String model) {
    return of(model, "1", "2.11.0+cu130", "NVIDIA H100 80GB HBM3");
  }

  public static String upload(String kind, String descriptor, String sha256, long size) {
    return """
        {"kind": "%s", "descriptor": %s, "sha256": "%s", "sizeBytes": %d}
        """
        .formatted(kind, descriptor, sha256, size);
  }

  /** A Mega-Cache upload of {@code bytes}, under a model of its own. */
  public static String upload(byte[] bytes) {
    return upload("mega-cache", of(uniqueModel()), Fixtures.sha256(bytes), bytes.length);
  }

  public static String lookup(String kind, String descriptor) {
    return """
        {"kind": "%s", "descriptor": %s}
        """
        .formatted(kind, descriptor);
  }
}
