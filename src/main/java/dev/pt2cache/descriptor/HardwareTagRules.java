package dev.pt2cache.descriptor;

import java.util.Map;

/**
 * The contract's rules for a hardware tag, in descriptors and selectors alike: a name of 1 to 100
 * characters without a colon, a value of at most 200. The generated models bound only the number of
 * tags. A tag outside these rules was stored, and could never be found again by {@code
 * ?tag=name:value}, which splits at the first colon and bounds both parts.
 */
public final class HardwareTagRules {

  public static final int MAX_NAME_LENGTH = 100;
  public static final int MAX_VALUE_LENGTH = 200;

  private HardwareTagRules() {}

  /** Refuses a tag outside the rules; {@code where} names the map. */
  public static void requireValid(String where, Map<String, String> tags) {
    if (tags == null) {
      return;
    }
    tags.forEach(
        (name, value) -> {
          if (name.isEmpty() || name.length() > MAX_NAME_LENGTH || name.indexOf(':') >= 0) {
            throw new InvalidTagException(
                "%s has the name \"%s\": a tag's name has 1 to %d characters, none of them ':'"
                    .formatted(where, abbreviated(name), MAX_NAME_LENGTH));
          }
          if (value != null && value.length() > MAX_VALUE_LENGTH) {
            throw new InvalidTagException(
                "%s.%s is %d characters long: a tag's value has at most %d"
                    .formatted(where, name, value.length(), MAX_VALUE_LENGTH));
          }
        });
  }

  private static String abbreviated(String name) {
    return name.length() <= MAX_NAME_LENGTH ? name : name.substring(0, MAX_NAME_LENGTH) + "...";
  }

  /** A hardware tag outside the contract's rules. */
  public static class InvalidTagException extends RuntimeException {

    public InvalidTagException(String message) {
      super(message);
    }
  }
}
