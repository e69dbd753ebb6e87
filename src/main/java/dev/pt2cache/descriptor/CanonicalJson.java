package dev.pt2cache.descriptor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.erdtman.jcs.JsonCanonicalizer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The canonical JSON form used for key derivation and storage: members whose value is null or an
 * empty object are removed (so "absent", {@code null} and {@code {}} mean the same), then the
 * result is serialized per RFC 8785 (JSON Canonicalization Scheme: sorted keys, no whitespace,
 * ECMAScript number form). docs/key-derivation.md tells clients how to reproduce it.
 */
public final class CanonicalJson {

  private static final JsonMapper MAPPER = JsonMapper.builder().build();

  private CanonicalJson() {}

  public static String of(Object value) {
    JsonNode tree = MAPPER.valueToTree(value);
    if (tree instanceof ObjectNode object) {
      prune(object);
    }
    try {
      return new JsonCanonicalizer(MAPPER.writeValueAsString(tree)).getEncodedString();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot canonicalize JSON", e);
    }
  }

  public static <T> T parse(String json, Class<T> type) {
    return MAPPER.readValue(json, type);
  }

  /** Removes null members and, bottom-up, members that are (or become) empty objects. */
  private static void prune(ObjectNode object) {
    List<String> drop = new ArrayList<>();
    for (String name : object.propertyNames()) {
      JsonNode child = object.get(name);
      if (child instanceof ObjectNode nested) {
        prune(nested);
      }
      if (child == null || child.isNull() || (child.isObject() && child.isEmpty())) {
        drop.add(name);
      }
    }
    drop.forEach(object::remove);
  }
}
