package dev.pt2cache.descriptor;

import java.util.Map;

/**
 * The contract's rule for a hardware tag's value, in descriptors and selectors alike: at most 200
 * characters (the generated models bound only the number of tags). A longer value was stored, and
 * could never be found again by {@code ?tag=name:value}, which bounds the value.
 *
 * <p>Names are not checked: artifacts were stored under any name, and refusing one now would turn
 * every lookup of a fleet that uses it into a {@code 400}, so that it compiles on every start.
 * {@code ?tag=} splits at the first colon and bounds the name at 100, so a name with a colon or a
 * longer one is reached by the other filters and by invalidation selectors, not by {@code ?tag=};
 * the contract says so.
 */
public final class HardwareTagRules {

  public static final int MAX_VALUE_LENGTH = 200;

  private HardwareTagRules() {}

  /** Refuses a tag value over {@link #MAX_VALUE_LENGTH}; {@code where} names the map. */
  public static void requireValid(String where, Map<String, String> tags) {
    if (tags == null) {
      return;
    }
    tags.forEach(
        (name, value) -> {
          if (value != null && value.length() > MAX_VALUE_LENGTH) {
            throw new InvalidTagException(
                "%s.%s is %d characters long: a tag's value has at most %d"
                    .formatted(where, name, value.length(), MAX_VALUE_LENGTH));
          }
        });
  }

  /** A hardware tag outside the contract's rules. */
  public static class InvalidTagException extends RuntimeException {

    public InvalidTagException(String message) {
      super(message);
    }
  }
}
