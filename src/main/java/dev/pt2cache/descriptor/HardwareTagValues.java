package dev.pt2cache.descriptor;

import java.util.Map;

/**
 * The contract's limit on a hardware tag's value (200 characters), in descriptors and selectors
 * alike: the generated models bound the number of tags but not their values. A longer value was
 * stored, and could never be found again by {@code ?tag=}, whose values are bounded.
 */
public final class HardwareTagValues {

  public static final int MAX_LENGTH = 200;

  private HardwareTagValues() {}

  /** Refuses a tag value longer than {@link #MAX_LENGTH}; {@code where} names the map. */
  public static void requireWithinLimit(String where, Map<String, String> tags) {
    if (tags == null) {
      return;
    }
    tags.forEach(
        (name, value) -> {
          if (value != null && value.length() > MAX_LENGTH) {
            throw new TagValueTooLongException(where + "." + name, value.length());
          }
        });
  }

  /** A hardware tag whose value is longer than the contract allows. */
  public static class TagValueTooLongException extends RuntimeException {

    TagValueTooLongException(String tag, int length) {
      super(
          "%s is %d characters long: a tag's value has at most %d"
              .formatted(tag, length, MAX_LENGTH));
    }
  }
}
