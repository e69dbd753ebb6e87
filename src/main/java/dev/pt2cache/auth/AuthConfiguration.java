package dev.pt2cache.auth;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/** Puts the token check in front of the API, unless authentication is turned off. */
@Configuration
class AuthConfiguration implements WebMvcConfigurer {

  private static final Logger log = LoggerFactory.getLogger(AuthConfiguration.class);

  private final AuthProperties properties;
  private final Tokens tokens;

  AuthConfiguration(AuthProperties properties, Tokens tokens) {
    this.properties = properties;
    this.tokens = tokens;
  }

  @Override
  public void addInterceptors(InterceptorRegistry registry) {
    if (properties.mode() == AuthProperties.Mode.NONE) {
      log.warn("authentication is off (PT2CACHE_AUTH=none): anyone who reaches the API may use it");
      registry.addInterceptor(new AnonymousCaller());
      return;
    }
    // on every path: the interceptor decides by the handler chosen, not by how the path was spelt
    registry.addInterceptor(new AccessInterceptor(tokens));
  }
}
