package dev.pt2cache.system;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256, the digest that addresses content and derives keys, as lower-case hex. */
public final class Sha256 {

  private Sha256() {}

  public static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  public static String hex(MessageDigest digest) {
    return HexFormat.of().formatHex(digest.digest());
  }

  public static String hexOf(String text) {
    MessageDigest digest = newDigest();
    digest.update(text.getBytes(StandardCharsets.UTF_8));
    return hex(digest);
  }
}
