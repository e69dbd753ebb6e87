package dev.pt2cache.entry;

import dev.pt2cache.artifact.InvalidUploadException;
import dev.pt2cache.descriptor.Descriptor;
import dev.pt2cache.descriptor.DescriptorMapper;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The descriptor an entry may carry in {@value #NAME}: the same JSON as a lookup's, read as
 * strictly (the service's own mapper, unknown members refused) and validated against the same
 * constraints. An entry's key is PyTorch's own; the descriptor is what lets an invalidation or a
 * blocking rule by model, software or hardware reach it.
 */
@Component
class DescriptorHeader {

  static final String NAME = "X-Pt2cache-Descriptor";
  private static final String NOT_A_DESCRIPTOR =
      NAME + " is not a descriptor as lookups take it (JSON, in ASCII)";

  private final JsonMapper mapper;
  private final Validator validator;

  DescriptorHeader(JsonMapper mapper, Validator validator) {
    this.mapper = mapper;
    this.validator = validator;
  }

  /** The descriptor the header carries, or null when it was not sent. */
  Descriptor read(String header) {
    if (header == null || header.isBlank()) {
      return null;
    }
    if (!header.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
      // Tomcat reads header bytes as ISO-8859-1: UTF-8 would be stored garbled, and missed
      throw new MalformedDescriptorHeaderException(
          "%s must be printable ASCII: write other characters as \\uXXXX escapes".formatted(NAME));
    }
    dev.pt2cache.api.model.Descriptor descriptor;
    try {
      descriptor = mapper.readValue(header, dev.pt2cache.api.model.Descriptor.class);
    } catch (UnrecognizedPropertyException e) {
      throw new MalformedDescriptorHeaderException(
          "%s has a field descriptors do not have: %s".formatted(NAME, e.getPropertyName()));
    } catch (JacksonException e) {
      // Jackson's message names the service's classes
      throw new MalformedDescriptorHeaderException(NOT_A_DESCRIPTOR);
    }
    if (descriptor == null) { // the header "null"
      throw new MalformedDescriptorHeaderException(NOT_A_DESCRIPTOR);
    }
    Set<ConstraintViolation<dev.pt2cache.api.model.Descriptor>> violations =
        validator.validate(descriptor);
    if (!violations.isEmpty()) {
      throw new InvalidUploadException(
          violations.stream()
              .map(v -> v.getPropertyPath() + " " + v.getMessage())
              .sorted()
              .collect(Collectors.joining("; ", NAME + ": ", "")));
    }
    return DescriptorMapper.toDomain(descriptor);
  }
}
