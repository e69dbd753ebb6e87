package dev.pt2cache.system;

import java.util.UUID;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.type.LogicalType;

/**
 * How request bodies are read, beyond Spring Boot's settings (application.yaml refuses unknown
 * members): strictly wherever two readers could disagree on what a body says.
 */
@Configuration(proxyBeanMethods = false)
class JsonSettings {

  /**
   * A JSON object that names a member twice is refused ({@code 400 malformed-request}), not read as
   * whichever of the two this parser keeps. Parsers disagree on which one wins, so a descriptor or
   * a selector read one way here and another way by a client, a proxy or an audit tool would derive
   * another key, or retire other artifacts, than the caller saw in its own copy.
   */
  @Bean
  JsonMapperBuilderCustomizer refuseDuplicateMembers() {
    return builder -> builder.enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION);
  }

  /** Booleans as {@link StrictBooleans} reads them. */
  @Bean
  JsonMapperBuilderCustomizer strictBooleans() {
    return builder ->
        builder.addModule(
            new SimpleModule("strict-booleans")
                .addDeserializer(Boolean.class, new StrictBooleans()));
  }

  /** Ids as {@link StrictUuids} reads them. */
  @Bean
  JsonMapperBuilderCustomizer strictUuids() {
    return builder ->
        builder.addModule(
            new SimpleModule("strict-uuids").addDeserializer(UUID.class, new StrictUuids()));
  }

  /** Times as {@link StrictTimes} reads them: date-time strings only. */
  @Bean
  JsonMapperBuilderCustomizer strictTimes() {
    return builder ->
        builder.addModule(
            new SimpleModule("strict-times").setDeserializerModifier(new StrictTimes()));
  }

  /**
   * A time that is an empty or blank string is refused, not read as absent: an absent {@code
   * expiresAt} makes a token or a standing rule that never expires, and an unset variable in a
   * provisioning script would make one by mistake.
   */
  @Bean
  JsonMapperBuilderCustomizer refuseEmptyTimes() {
    return builder ->
        builder.withCoercionConfig(
            LogicalType.DateTime,
            config ->
                config
                    .setAcceptBlankAsEmpty(true)
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail));
  }

  /**
   * A whole number is a JSON integer. An empty, blank or {@code "null"} string was read as null,
   * which on a namespace's settings clears its quota or idle limit with a 200; {@code 1.9} was cut
   * to 1; {@code "5"} is text the contract does not allow. Each is refused.
   */
  @Bean
  JsonMapperBuilderCustomizer refuseWholeNumbersThatAreNoIntegers() {
    return builder ->
        builder.withCoercionConfig(
            LogicalType.Integer,
            config ->
                config
                    .setAcceptBlankAsEmpty(true)
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail));
  }
}
