package dev.pt2cache.system;

import org.springframework.web.method.HandlerMethod;

/**
 * Which requests are calls of the API: those whose handler, as Spring MVC chose it, is a method of
 * one of the service's own controllers. Decided by the handler, never by the spelling of the path,
 * so no path trick reaches an operation unchecked; actuator, Swagger UI and error pages are not.
 */
public final class ApiHandlers {

  private static final String API_PACKAGES = "dev.pt2cache.";

  private ApiHandlers() {}

  public static boolean isApi(Object handler) {
    return handler instanceof HandlerMethod method
        && method.getBeanType().getPackageName().startsWith(API_PACKAGES);
  }
}
