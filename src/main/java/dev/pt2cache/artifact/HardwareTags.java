package dev.pt2cache.artifact;

import dev.pt2cache.descriptor.HardwareTagRules.InvalidTagException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Hardware tag filters as query parameters: {@code tag=name:value}, repeatable. */
final class HardwareTags {

  private HardwareTags() {}

  /**
   * The tags to require, by name. A name given twice is refused: an artifact has one value for
   * each, so two would match nothing, and keeping one of them would quietly drop the other.
   */
  static Map<String, String> parse(List<String> tags) {
    if (tags == null || tags.isEmpty()) {
      return null;
    }
    Map<String, String> parsed = new LinkedHashMap<>();
    for (String tag : tags) {
      int colon = tag.indexOf(':');
      String name = tag.substring(0, colon);
      if (parsed.putIfAbsent(name, tag.substring(colon + 1)) != null) {
        throw new InvalidTagException(
            "tag names \"%s\" twice: give each tag once, as name:value".formatted(name));
      }
    }
    return parsed;
  }
}
