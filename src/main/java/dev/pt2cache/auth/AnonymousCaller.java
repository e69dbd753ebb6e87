package dev.pt2cache.auth;

import dev.pt2cache.system.ApiHandlers;
import dev.pt2cache.system.Caller;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.web.servlet.HandlerInterceptor;

/** With authentication off, names every caller of the API {@link Caller#ANONYMOUS}. */
class AnonymousCaller implements HandlerInterceptor {

  @Override
  public boolean preHandle(
      HttpServletRequest request, HttpServletResponse response, Object handler) {
    if (ApiHandlers.isApi(handler)) {
      Caller.set(request, Caller.ANONYMOUS, null, true);
      AccessInterceptor.pathNamespace(request);
    }
    return true;
  }
}
