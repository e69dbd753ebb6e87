package dev.pt2cache.artifact;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Hardware tag filters as query parameters: {@code tag=name:value}, repeatable. */
final class HardwareTags {

  private HardwareTags() {}

  static Map<String, String> parse(List<String> tags) {
    if (tags == null || tags.isEmpty()) {
      return null;
    }
    Map<String, String> parsed = new LinkedHashMap<>();
    for (String tag : tags) {
      int colon = tag.indexOf(':');
      parsed.put(tag.substring(0, colon), tag.substring(colon + 1));
    }
    return parsed;
  }
}
