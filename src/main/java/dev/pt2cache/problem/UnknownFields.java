package dev.pt2cache.problem;

import java.time.temporal.Temporal;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.springframework.http.converter.HttpMessageNotReadableException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamContext;
import tools.jackson.core.exc.InputCoercionException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.DatabindException;
import tools.jackson.databind.exc.InvalidNullException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.databind.exc.ValueInstantiationException;

/**
 * Says which member of a request body the operation does not know, which one it named twice, or
 * which one holds a value of the wrong type or a null it may not. Bodies are read strictly ({@code
 * spring.jackson.deserialization.fail-on-unknown-properties}): a misspelt member that was dropped
 * would widen an invalidation's selector, empty a namespace's quota on a PUT, or give two different
 * descriptors one key, all with a success answer.
 */
final class UnknownFields {

  private static final String NOT_JSON = "the request body is not valid JSON for this operation";

  private UnknownFields() {}

  static String detail(HttpMessageNotReadableException ex) {
    if (ex.getCause() instanceof StreamReadException read
        && read.getOriginalMessage() != null
        && read.getOriginalMessage().startsWith("Duplicate")) {
      // refused by the parser (system/JsonSettings): its words name the member
      return read.getOriginalMessage() + ": name each member of an object once";
    }
    if (ex.getCause() instanceof InvalidNullException nulled) {
      return "%s may not be null: leave it out, or give it a value".formatted(path(nulled));
    }
    if (ex.getCause() instanceof InputCoercionException outOfRange
        && outOfRange.processor() != null) {
      // the parser's words: it knows the JSON number overflowed, not whether a time was meant
      return "%s is out of range: give a value within the bounds the contract sets"
          .formatted(where(outOfRange.processor().streamReadContext()));
    }
    if (ex.getCause() instanceof ValueInstantiationException unlisted
        && unlisted.getType() != null
        && unlisted.getType().isEnumType()
        && !unlisted.getPath().isEmpty()) {
      return "%s is not a value the contract lists: give one of %s"
          .formatted(path(unlisted), listed(unlisted.getType().getRawClass()));
    }
    if (ex.getCause() instanceof MismatchedInputException mismatched
        && !(mismatched instanceof UnrecognizedPropertyException)
        && !mismatched.getPath().isEmpty()) {
      return "%s has a value of the wrong type: give %s"
          .formatted(path(mismatched), expected(mismatched.getTargetType()));
    }
    return unknown(ex)
        .map(u -> "unknown field %s: this operation accepts %s there".formatted(path(u), known(u)))
        .orElse(NOT_JSON);
  }

  /** Where the parser stood, as a path of member names and indexes. */
  private static String where(TokenStreamContext context) {
    StringBuilder path = new StringBuilder();
    for (TokenStreamContext at = context; at != null; at = at.getParent()) {
      if (at.currentName() != null) {
        boolean member = !path.isEmpty() && path.charAt(0) != '[';
        path.insert(0, at.currentName() + (member ? "." : ""));
      } else if (at.inArray()) {
        path.insert(0, "[" + at.getCurrentIndex() + "]");
      }
    }
    return path.isEmpty() ? "the value" : path.toString();
  }

  static String listed(Class<?> enumType) {
    return Arrays.stream(enumType.getEnumConstants())
        .map(String::valueOf) // the generated enums give their wire value
        .collect(Collectors.joining(", "));
  }

  private static String expected(Class<?> type) {
    if (type == Boolean.class || type == boolean.class) {
      return "true or false";
    }
    if (type != null && Temporal.class.isAssignableFrom(type)) {
      return "a date and time, such as 2027-01-31T00:00:00Z";
    }
    if (type == Long.class || type == Integer.class || type == long.class || type == int.class) {
      return "a whole number, written as a JSON number such as 5";
    }
    if (type != null && (Number.class.isAssignableFrom(type) || type.isPrimitive())) {
      return "a number";
    }
    if (type == java.util.UUID.class) {
      return "a UUID, such as 0194b6a5-0a25-4f85-abde-63743317547f";
    }
    if (type != null && type.isEnum()) {
      return "one of the values the contract lists";
    }
    return type == String.class ? "text" : "a value of the type the contract gives";
  }

  static List<Map<String, String>> errors(HttpMessageNotReadableException ex) {
    return unknown(ex)
        .map(u -> List.of(Map.of("field", path(u), "message", "unknown field")))
        .orElse(List.of());
  }

  private static Optional<UnrecognizedPropertyException> unknown(
      HttpMessageNotReadableException ex) {
    return ex.getCause() instanceof UnrecognizedPropertyException u
        ? Optional.of(u)
        : Optional.empty();
  }

  private static String path(DatabindException u) {
    StringBuilder path = new StringBuilder();
    for (JacksonException.Reference reference : u.getPath()) {
      if (reference.getPropertyName() != null) {
        path.append(path.isEmpty() ? "" : ".").append(reference.getPropertyName());
      } else if (reference.getIndex() >= 0) {
        path.append('[').append(reference.getIndex()).append(']');
      }
    }
    return path.isEmpty() && u instanceof UnrecognizedPropertyException unknown
        ? unknown.getPropertyName()
        : path.toString();
  }

  private static String known(UnrecognizedPropertyException u) {
    return u.getKnownPropertyIds() == null || u.getKnownPropertyIds().isEmpty()
        ? "no fields"
        : u.getKnownPropertyIds().stream()
            .map(String::valueOf)
            .sorted()
            .distinct()
            .collect(Collectors.joining(", ", "only ", ""));
  }
}
