package dev.pt2cache.system;

import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
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

  /**
   * A boolean is {@code true} or {@code false} (or the same words as strings), never a number or an
   * empty string: Jackson would read {@code 1} as true and {@code ""} as absent, where a client
   * that derives keys itself keeps the value it sent, and so another key ({@code compile.dynamic}).
   */
  @Bean
  JsonMapperBuilderCustomizer refuseCoercedBooleans() {
    return builder ->
        builder.withCoercionConfig(
            LogicalType.Boolean,
            config ->
                config
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail));
  }
}
