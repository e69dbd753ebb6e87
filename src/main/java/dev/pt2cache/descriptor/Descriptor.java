package dev.pt2cache.descriptor;

import java.util.Map;

/**
 * What decides whether a compiled artifact can be reused: the model, the software that compiled it,
 * the hardware it was compiled for and the compile settings. Two descriptors that differ in any
 * field never share an artifact (see {@link CacheKeys}).
 */
public record Descriptor(Model model, Software software, Hardware hardware, Compile compile) {

  public record Model(String name, String version, String fingerprint) {}

  public record Software(String torch, String triton, String cuda, String rocm, String python) {}

  public record Hardware(String gpu, String capability, Map<String, String> tags) {}

  public record Compile(
      String backend, String mode, Boolean dynamic, Map<String, Object> options) {}
}
