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

  /**
   * The canonical form of {@code value}. Refuses text holding U+0000 anywhere, in a name or a value
   * ({@link NulCharacterException}): PostgreSQL cannot store it, and a descriptor's key is derived
   * from this form before anything is read or written. Refuses too what has no single canonical
   * form ({@link UnrepresentableValueException}): numbers beyond a double, unpaired surrogates.
   */
  public static String of(Object value) {
    JsonNode tree = MAPPER.valueToTree(value);
    requireStorable(tree, "");
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

  private static void requireStorable(JsonNode node, String path) {
    if (node.isString()) {
      requireStorableText(node.asString(), path);
    }
    if (node.isNumber() && !Double.isFinite(node.numberValue().doubleValue())) {
      // RFC 8785 reads every number as a double: 1e400 would be written as the string "Infinity",
      // a 400-digit integer not at all
      throw new UnrepresentableValueException(path, "a number beyond the range of a double");
    }
    if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        requireStorable(node.get(i), path + "[" + i + "]");
      }
    }
    if (node.isObject()) {
      for (String name : node.propertyNames()) {
        String member = path.isEmpty() ? name : path + "." + name;
        requireStorableText(name, member);
        requireStorable(node.get(name), member);
      }
    }
  }

  private static void requireStorableText(String text, String path) {
    NulCharacterException.refuseIn(text, path);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        // UTF-8 has no form for it: hashed as "?", it would share a key with a real "?"
        throw new UnrepresentableValueException(path, "an unpaired UTF-16 surrogate");
      }
    }
  }

  /**
   * {@code text} made storable for free text such as an error message: U+0000 and unpaired
   * surrogates, which {@link #of} refuses, each replaced by U+FFFD.
   */
  public static String storable(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        out.append(c).append(text.charAt(++i));
      } else {
        out.append(c == '\0' || Character.isSurrogate(c) ? '\uFFFD' : c);
      }
    }
    return out.toString();
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
