package dev.pt2cache.system;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import dev.pt2cache.api.model.InvalidationRequest;
import dev.pt2cache.api.model.Kind;
import dev.pt2cache.api.model.Selector;
import dev.pt2cache.api.model.TokenRequest;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Members whose absence widens what a request does are refused as {@code null} ({@code 400}), not
 * read as left out: a token without {@code namespace} works in every namespace, a token or a
 * standing rule without {@code expiresAt} never expires, and an invalidation without {@code block}
 * makes no standing rule, and a selector without one of its members selects more. A provisioning
 * script that fills such a member from an unset variable must not make one by mistake.
 */
@Configuration(proxyBeanMethods = false)
class RefusedNulls {

  @Bean
  JsonMapperBuilderCustomizer refuseNullsThatWiden() {
    return builder ->
        builder
            .addMixIn(TokenRequest.class, TokenRequestNulls.class)
            .addMixIn(InvalidationRequest.class, InvalidationRequestNulls.class)
            .addMixIn(Selector.class, SelectorNulls.class);
  }

  abstract static class InvalidationRequestNulls {
    @JsonSetter(nulls = Nulls.FAIL)
    private OffsetDateTime expiresAt;

    @JsonSetter(nulls = Nulls.FAIL)
    private Boolean block;
  }

  /**
   * Every member of a selector narrows it: one left out as {@code null} (an unset variable) would
   * retire, and with {@code block} refuse, what the others match across every model, version or
   * GPU. A tag's value may still be null, taken as absent, as docs/testing.md says.
   */
  abstract static class SelectorNulls {
    @JsonSetter(nulls = Nulls.FAIL)
    private List<UUID> artifactIds;

    @JsonSetter(nulls = Nulls.FAIL)
    private Kind kind;

    @JsonSetter(nulls = Nulls.FAIL)
    private String key;

    @JsonSetter(nulls = Nulls.FAIL)
    private String sha256;

    @JsonSetter(nulls = Nulls.FAIL)
    private String modelName;

    @JsonSetter(nulls = Nulls.FAIL)
    private String modelVersion;

    @JsonSetter(nulls = Nulls.FAIL)
    private String modelFingerprint;

    @JsonSetter(nulls = Nulls.FAIL)
    private String torch;

    @JsonSetter(nulls = Nulls.FAIL)
    private String triton;

    @JsonSetter(nulls = Nulls.FAIL)
    private String cuda;

    @JsonSetter(nulls = Nulls.FAIL)
    private String rocm;

    @JsonSetter(nulls = Nulls.FAIL)
    private String python;

    @JsonSetter(nulls = Nulls.FAIL)
    private String gpu;

    @JsonSetter(nulls = Nulls.FAIL)
    private String capability;

    @JsonSetter(nulls = Nulls.FAIL)
    private Map<String, String> tags;
  }

  abstract static class TokenRequestNulls {
    @JsonSetter(nulls = Nulls.FAIL)
    private String namespace;

    @JsonSetter(nulls = Nulls.FAIL)
    private OffsetDateTime expiresAt;
  }
}
