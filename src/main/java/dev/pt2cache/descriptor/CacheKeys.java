package dev.pt2cache.descriptor;

import dev.pt2cache.system.Sha256;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Derives the key of a descriptor-addressed artifact: the lower-case hex SHA-256 of the UTF-8 bytes
 * of the canonical JSON of {@code {"descriptor": <descriptor>, "kind": <kind>}}. Any difference in
 * any descriptor field gives a different key.
 */
public final class CacheKeys {

  private CacheKeys() {}

  public static String derive(String kind, Descriptor descriptor) {
    Map<String, Object> subject = new LinkedHashMap<>();
    subject.put("descriptor", descriptor);
    subject.put("kind", kind);
    return Sha256.hexOf(CanonicalJson.of(subject));
  }
}
