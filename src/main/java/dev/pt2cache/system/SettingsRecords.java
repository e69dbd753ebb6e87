package dev.pt2cache.system;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * The service's settings records ({@code UploadProperties}, {@code StorageProperties}...) bound
 * ahead, each on its own, to collect what every one refuses. Spring binds them one bean at a time
 * as it makes the beans, and the first record that refuses ends the start: an operator with a wrong
 * setting in two records learnt of the second only after fixing the first and starting again (ADR
 * 0025). Binding a record has no effect beyond making it, so binding it twice costs nothing else.
 */
final class SettingsRecords {

  private static final String OWN_PACKAGE = "dev.pt2cache.";

  private SettingsRecords() {}

  /** The service's own {@code @ConfigurationProperties} types among the beans to be made. */
  static List<Class<?>> of(ConfigurableListableBeanFactory beanFactory) {
    List<Class<?>> types = new ArrayList<>();
    for (String name : beanFactory.getBeanDefinitionNames()) {
      Class<?> type = beanFactory.getType(name, false);
      if (type != null
          && type.getName().startsWith(OWN_PACKAGE)
          && type.isAnnotationPresent(ConfigurationProperties.class)) {
        types.add(type);
      }
    }
    return types;
  }

  /** What each record refuses when bound from {@code environment}, one line per record. */
  static List<String> refused(ConfigurableEnvironment environment, Collection<Class<?>> types) {
    Binder binder = Binder.get(environment);
    List<String> refused = new ArrayList<>();
    for (Class<?> type : types) {
      ConfigurationProperties settings =
          AnnotatedElementUtils.findMergedAnnotation(type, ConfigurationProperties.class);
      try {
        binder.bind(settings.prefix(), Bindable.of(type));
      } catch (BindException e) {
        refused.add(reason(e));
      }
    }
    return refused;
  }

  /** The record's own words (they name the variable), or the value Spring could not convert. */
  private static String reason(BindException e) {
    Throwable cause = NestedExceptionUtils.getMostSpecificCause(e);
    ConfigurationProperty property = e.getProperty();
    String message = String.valueOf(cause.getMessage());
    if (property == null || message.contains(property.getName().toString())) {
      return message;
    }
    return "%s=%s: %s".formatted(property.getName(), property.getValue(), message);
  }
}
