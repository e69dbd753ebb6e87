package dev.pt2cache.system;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.ViewControllerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Web wiring: kinds and states arrive in paths and queries by their wire names ({@link
 * QueryValues}); a query parameter no operation declares is refused ({@link KnownQueryParameters});
 * the service's root leads operators to Swagger UI, which shows openapi.yaml itself, by relative
 * addresses that work behind a proxy that serves the service under a path.
 */
@Configuration
class WebConfiguration implements WebMvcConfigurer {

  @Override
  public void addInterceptors(InterceptorRegistry registry) {
    registry.addInterceptor(new KnownQueryParameters());
  }

  @Override
  public void addViewControllers(ViewControllerRegistry registry) {
    // relative, so that a proxy serving the service under a path of its own keeps that path
    registry.addRedirectViewController("/", "swagger-ui/index.html");
    registry.addRedirectViewController("/swagger-ui", "swagger-ui/index.html");
  }
}
