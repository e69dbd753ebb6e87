package dev.pt2cache.system;

import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.core.StreamReadFeature;

/**
 * A JSON object that names a member twice is refused ({@code 400 malformed-request}), not read as
 * whichever of the two this parser keeps. Parsers disagree on which one wins, so a descriptor or a
 * selector read one way here and another way by a client, a proxy or an audit tool would derive
 * another key, or retire other artifacts, than the caller saw in its own copy.
 */
@Configuration(proxyBeanMethods = false)
class JsonSettings {

  @Bean
  JsonMapperBuilderCustomizer refuseDuplicateMembers() {
    return builder -> builder.enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION);
  }
}
