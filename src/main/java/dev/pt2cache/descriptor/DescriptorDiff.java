package dev.pt2cache.descriptor;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The fields in which two descriptors differ, as dotted paths ({@code software.torch}, {@code
 * hardware.tags.driver}, {@code compile.options.max_autotune}). Used to tell a user why a lookup
 * missed.
 */
public final class DescriptorDiff {

  private static final JsonMapper MAPPER = JsonMapper.builder().build();

  public record Difference(String field, String requested, String stored) {}

  private DescriptorDiff() {}

  public static List<Difference> between(Descriptor requested, Descriptor stored) {
    JsonNode left = MAPPER.readTree(CanonicalJson.of(requested));
    JsonNode right = MAPPER.readTree(CanonicalJson.of(stored));
    List<Difference> differences = new ArrayList<>();
    compare("", left, right, differences);
    return differences;
  }

  private static void compare(String path, JsonNode left, JsonNode right, List<Difference> out) {
    if (objectOrAbsent(left) && objectOrAbsent(right) && (left != null || right != null)) {
      TreeSet<String> names = new TreeSet<>();
      if (left != null) {
        names.addAll(left.propertyNames());
      }
      if (right != null) {
        names.addAll(right.propertyNames());
      }
      for (String name : names) {
        compare(
            path.isEmpty() ? name : path + "." + name, child(left, name), child(right, name), out);
      }
    } else if (!Objects.equals(left, right)) {
      out.add(new Difference(path, text(left), text(right)));
    }
  }

  private static boolean objectOrAbsent(JsonNode node) {
    return node == null || node.isObject();
  }

  private static JsonNode child(JsonNode node, String name) {
    return node == null ? null : node.get(name);
  }

  private static String text(JsonNode node) {
    if (node == null) {
      return null;
    }
    return node.isValueNode() ? node.asString() : node.toString();
  }
}
