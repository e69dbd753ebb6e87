package dev.pt2cache.system;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.lang.reflect.Method;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.core.MethodParameter;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Refuses a query parameter the operation does not declare ({@code 400 invalid-request}, naming it
 * and those it accepts), as request bodies refuse unknown members. A misspelt filter ({@code
 * model_name=} for {@code modelName=}) that was dropped listed every artifact of the namespace with
 * a 200, and a script that retires what a listing returns would retire them all.
 *
 * <p>Only the query string is read, never a form body. The names come from the operation's {@code
 * RequestParam}s, which the generated interfaces take from openapi.yaml.
 */
class KnownQueryParameters implements HandlerInterceptor {

  private final Map<Method, SortedSet<String>> declared = new ConcurrentHashMap<>();

  @Override
  public boolean preHandle(
      HttpServletRequest request, HttpServletResponse response, Object handler) {
    String query = request.getQueryString();
    if (query == null || !ApiHandlers.isApi(handler)) {
      return true;
    }
    HandlerMethod method = (HandlerMethod) handler;
    SortedSet<String> known = declared.computeIfAbsent(method.getMethod(), m -> namesOf(method));
    for (String pair : query.split("&")) {
      String name = name(pair);
      if (!name.isEmpty() && !known.contains(name)) {
        throw new UnknownQueryParameterException(name, known);
      }
    }
    return true;
  }

  private static SortedSet<String> namesOf(HandlerMethod method) {
    SortedSet<String> names = new TreeSet<>();
    for (MethodParameter parameter : method.getMethodParameters()) {
      RequestParam param = parameter.getParameterAnnotation(RequestParam.class);
      if (param != null) {
        names.add(param.name().isEmpty() ? parameter.getParameterName() : param.name());
      }
    }
    return Collections.unmodifiableSortedSet(names);
  }

  /**
   * The parameter's name as the servlet container decodes it; undecodable ones are its to refuse.
   */
  private static String name(String pair) {
    int equals = pair.indexOf('=');
    String raw = equals < 0 ? pair : pair.substring(0, equals);
    try {
      return URLDecoder.decode(raw, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException undecodable) {
      return "";
    }
  }
}
