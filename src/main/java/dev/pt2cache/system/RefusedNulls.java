package dev.pt2cache.system;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import dev.pt2cache.api.model.InvalidationRequest;
import dev.pt2cache.api.model.TokenRequest;
import java.time.OffsetDateTime;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Members whose absence widens what a request does are refused as {@code null} ({@code 400}), not
 * read as left out: a token without {@code namespace} works in every namespace, a token or a
 * standing rule without {@code expiresAt} never expires, and an invalidation without {@code block}
 * makes no standing rule. A provisioning script that fills such a member from an unset variable
 * must not make one by mistake.
 */
@Configuration(proxyBeanMethods = false)
class RefusedNulls {

  @Bean
  JsonMapperBuilderCustomizer refuseNullsThatWiden() {
    return builder ->
        builder
            .addMixIn(TokenRequest.class, TokenRequestNulls.class)
            .addMixIn(InvalidationRequest.class, InvalidationRequestNulls.class);
  }

  abstract static class InvalidationRequestNulls {
    @JsonSetter(nulls = Nulls.FAIL)
    private OffsetDateTime expiresAt;

    @JsonSetter(nulls = Nulls.FAIL)
    private Boolean block;
  }

  abstract static class TokenRequestNulls {
    @JsonSetter(nulls = Nulls.FAIL)
    private String namespace;

    @JsonSetter(nulls = Nulls.FAIL)
    private OffsetDateTime expiresAt;
  }
}
