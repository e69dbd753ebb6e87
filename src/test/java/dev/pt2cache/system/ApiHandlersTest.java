package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.resource.ResourceHttpRequestHandler;

/** Which handlers the token check and the rate limit treat as calls of the API. */
class ApiHandlersTest {

  static class OwnController {
    public void operation() {}
  }

  @Test
  void shouldTakeOnlyTheServicesOwnHandlerMethodsForApiCalls() throws Exception {
    assertThat(ApiHandlers.isApi(method(new OwnController(), "operation"))).isTrue();

    assertThat(ApiHandlers.isApi(method(new Object(), "toString")))
        .as("a handler method of another package")
        .isFalse();
    assertThat(ApiHandlers.isApi(new ResourceHttpRequestHandler()))
        .as("static resources: Swagger UI, openapi.yaml")
        .isFalse();
    assertThat(ApiHandlers.isApi(null)).isFalse();
  }

  private static HandlerMethod method(Object bean, String name) throws NoSuchMethodException {
    return new HandlerMethod(bean, bean.getClass().getMethod(name));
  }
}
