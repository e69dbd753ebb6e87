package dev.pt2cache.descriptor;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.pt2cache.system.Sha256;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Derives the key of a descriptor-addressed artifact: the lower-case hex SHA-256 of the UTF-8 bytes
 * of the canonical JSON of {@code {"descriptor": <descriptor>, "kind": <kind>}}. Any difference in
 * any descriptor field gives a different key.
 */
public final class CacheKeys {

  private CacheKeys() {}

  /**
   * A fleet asks about the same few descriptors over and over: their keys are remembered (the
   * derivation is a pure function, so a remembered key is always right).
   */
  private static final Cache<List<Object>, String> DERIVED =
      Caffeine.newBuilder().maximumSize(10_000).build();

  public static String derive(String kind, Descriptor descriptor) {
    return DERIVED.get(List.of(kind, descriptor), k -> compute(kind, descriptor));
  }

  private static String compute(String kind, Descriptor descriptor) {
    Map<String, Object> subject = new LinkedHashMap<>();
    subject.put("descriptor", descriptor);
    subject.put("kind", kind);
    return Sha256.hexOf(CanonicalJson.of(subject));
  }
}
