package dev.pt2cache.system;

import java.time.temporal.Temporal;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.BeanDescription;
import tools.jackson.databind.DeserializationConfig;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.deser.ValueDeserializerModifier;
import tools.jackson.databind.deser.std.DelegatingDeserializer;

/**
 * A time in a request body is a date-time string, as the contract types it. Jackson on its own also
 * reads a number as seconds since 1970, so {@code "expiresAt": 1900000000} made a token or a
 * standing rule that expires in March 2030, where a client that counts milliseconds meant another
 * time. Anything but a string is refused ({@code 400 malformed-request}); a string is read as
 * before.
 */
final class StrictTimes extends ValueDeserializerModifier {

  @Override
  public ValueDeserializer<?> modifyDeserializer(
      DeserializationConfig config,
      BeanDescription.Supplier description,
      ValueDeserializer<?> deserializer) {
    return Temporal.class.isAssignableFrom(description.getBeanClass())
        ? new StringsOnly(deserializer)
        : deserializer;
  }

  private static final class StringsOnly extends DelegatingDeserializer {

    StringsOnly(ValueDeserializer<?> delegatee) {
      super(delegatee);
    }

    @Override
    protected ValueDeserializer<?> newDelegatingInstance(ValueDeserializer<?> delegatee) {
      return new StringsOnly(delegatee);
    }

    @Override
    public Object deserialize(JsonParser parser, DeserializationContext context) {
      if (parser.currentToken() != JsonToken.VALUE_STRING) {
        return context.handleUnexpectedToken(handledType(), parser);
      }
      return super.deserialize(parser, context);
    }
  }
}
