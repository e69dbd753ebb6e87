package dev.pt2cache.system;

import java.util.Set;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.deser.std.StdScalarDeserializer;

/**
 * A boolean in a request body is {@code true} or {@code false}, or one of the words for them as
 * docs/key-derivation.md lists them; nothing else. Jackson on its own also reads {@code 1} as true,
 * {@code ""} and {@code "null"} as absent and {@code " true "} as true, where a client that derives
 * keys itself keeps the value it sent, and so another key ({@code compile.dynamic}); and an absent
 * {@code block} makes no standing rule.
 */
final class StrictBooleans extends StdScalarDeserializer<Boolean> {

  private static final Set<String> TRUE = Set.of("true", "True", "TRUE");
  private static final Set<String> FALSE = Set.of("false", "False", "FALSE");

  StrictBooleans() {
    super(Boolean.class);
  }

  @Override
  public Boolean deserialize(JsonParser parser, DeserializationContext context) {
    JsonToken token = parser.currentToken();
    if (token == JsonToken.VALUE_TRUE || token == JsonToken.VALUE_FALSE) {
      return token == JsonToken.VALUE_TRUE;
    }
    if (token == JsonToken.VALUE_STRING) {
      Boolean word = word(parser.getString());
      if (word != null) {
        return word;
      }
    }
    return (Boolean) context.handleUnexpectedToken(Boolean.class, parser);
  }

  /** The boolean that one of the words for true and false stands for; null for any other text. */
  static Boolean word(String text) {
    if (TRUE.contains(text) || FALSE.contains(text)) {
      return TRUE.contains(text);
    }
    return null;
  }
}
