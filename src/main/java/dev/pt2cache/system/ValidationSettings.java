package dev.pt2cache.system;

import jakarta.validation.Path;
import jakarta.validation.TraversableResolver;
import java.lang.annotation.ElementType;
import org.springframework.boot.validation.autoconfigure.ValidationConfigurationCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Request validation walks plain request objects, never JPA entities, so it need not ask JPA
 * whether each property is loaded: with JPA on the class path Hibernate Validator does so for every
 * property of every request, about a tenth of a lookup's CPU time.
 */
@Configuration(proxyBeanMethods = false)
class ValidationSettings {

  @Bean
  ValidationConfigurationCustomizer traverseEverything() {
    return configuration -> configuration.traversableResolver(new TraverseAll());
  }

  private static final class TraverseAll implements TraversableResolver {

    @Override
    public boolean isReachable(
        Object bean, Path.Node property, Class<?> rootBean, Path path, ElementType type) {
      return true;
    }

    @Override
    public boolean isCascadable(
        Object bean, Path.Node property, Class<?> rootBean, Path path, ElementType type) {
      return true;
    }
  }
}
