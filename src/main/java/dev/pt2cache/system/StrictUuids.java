package dev.pt2cache.system;

import java.util.UUID;
import java.util.regex.Pattern;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.deser.std.StdScalarDeserializer;

/**
 * An id is a UUID in its 36-character form (hex digits in either case), in a body as in a path.
 * Jackson on its own also reads 24 characters of base64 as the UUID of those 16 bytes, so {@code
 * "artifactIds": ["AZS2pQolT4Wr3mN0MxdUfw=="]} retired artifact {@code
 * 0194b6a5-0a25-4f85-abde-63743317547f}; Spring's conversion of a path trims the value and {@link
 * UUID#fromString} takes groups without their leading zeros ({@code 194b6a5-a25-...}), so such a
 * path reached that artifact or revoked that token.
 */
final class StrictUuids extends StdScalarDeserializer<UUID> {

  private static final Pattern CANONICAL =
      Pattern.compile(
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  StrictUuids() {
    super(UUID.class);
  }

  /** The UUID this text is the 36-character form of; null for any other text. */
  static UUID canonical(String text) {
    return CANONICAL.matcher(text).matches() ? UUID.fromString(text) : null;
  }

  @Override
  public UUID deserialize(JsonParser parser, DeserializationContext context) {
    if (parser.currentToken() == JsonToken.VALUE_STRING) {
      UUID id = canonical(parser.getString());
      if (id != null) {
        return id;
      }
    }
    return (UUID) context.handleUnexpectedToken(UUID.class, parser);
  }
}
