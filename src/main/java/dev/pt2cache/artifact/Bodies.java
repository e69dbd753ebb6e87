package dev.pt2cache.artifact;

import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.List;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.core.MethodParameter;
import org.springframework.core.io.InputStreamResource;
import org.springframework.stereotype.Component;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;

/**
 * Request bodies of bytes, handed to the upload operations unread. Spring MVC's own resolution of a
 * {@code @RequestBody} reads a byte to tell an empty body from none before the operation runs; with
 * Tomcat answering {@code Expect: 100-continue} on the first read, that byte told every client to
 * send its body before the operation could refuse it (too large, unknown namespace, no room). Put
 * first among the resolvers, this one opens the body only when the operation reads it, so a refusal
 * goes out before the client sends a byte (docs/adr/0050). A request without a body reads as 0
 * bytes: an artifact of 0 bytes.
 */
@Component
class Bodies implements BeanPostProcessor, HandlerMethodArgumentResolver {

  @Override
  public Object postProcessAfterInitialization(Object bean, String beanName) {
    if (bean instanceof RequestMappingHandlerAdapter adapter) {
      List<HandlerMethodArgumentResolver> resolvers = new ArrayList<>();
      resolvers.add(this);
      resolvers.addAll(adapter.getArgumentResolvers());
      adapter.setArgumentResolvers(resolvers);
    }
    return bean;
  }

  @Override
  public boolean supportsParameter(MethodParameter parameter) {
    return parameter.hasParameterAnnotation(RequestBody.class)
        && parameter.getParameterType() == InputStreamResource.class;
  }

  @Override
  public Object resolveArgument(
      MethodParameter parameter,
      ModelAndViewContainer mavContainer,
      NativeWebRequest webRequest,
      WebDataBinderFactory binderFactory) {
    HttpServletRequest request = webRequest.getNativeRequest(HttpServletRequest.class);
    return new InputStreamResource(request::getInputStream, "request body");
  }
}
