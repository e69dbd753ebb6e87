package dev.pt2cache.auth;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import dev.pt2cache.api.model.TokenRequest;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * A token request that names its namespace as {@code null} is refused ({@code 400}), not read as
 * one that leaves it out: left out means a token for every namespace, and a provisioning script
 * that fills the member from an unset variable must not mint one by mistake.
 */
@Configuration(proxyBeanMethods = false)
class TokenRequestReading {

  @Bean
  JsonMapperBuilderCustomizer refuseNullTokenNamespace() {
    return builder -> builder.addMixIn(TokenRequest.class, NamespaceNotNull.class);
  }

  abstract static class NamespaceNotNull {
    @JsonSetter(nulls = Nulls.FAIL)
    private String namespace;
  }
}
