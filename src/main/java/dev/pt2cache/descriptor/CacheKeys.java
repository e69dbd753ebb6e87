package dev.pt2cache.descriptor;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
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
    return sha256Hex(CanonicalJson.of(subject));
  }

  static String sha256Hex(String text) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
