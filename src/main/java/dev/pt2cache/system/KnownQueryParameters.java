package dev.pt2cache.system;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.lang.reflect.Method;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
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
 * <p>A parameter given twice is refused too, unless the operation takes a list of it ({@code tag}):
 * Spring keeps the first of two values for a number, an enum or a boolean, and joins two texts with
 * a comma, so {@code state=ready&state=pending} listed the ready ones alone and {@code
 * modelName=a&modelName=b} matched nothing, each with a 200. So is a parameter without a value
 * ({@code kind=}, {@code limit}): read as left out, an unset variable in a script ({@code
 * kind=$KIND}) listed every kind.
 *
 * <p>Only the query string is read, never a form body. The names come from the operation's {@code
 * RequestParam}s, which the generated interfaces take from openapi.yaml.
 */
class KnownQueryParameters implements HandlerInterceptor {

  private final Map<Method, Declared> declared = new ConcurrentHashMap<>();

  /** An operation's query parameters, and those of them it takes a list of. */
  private record Declared(SortedSet<String> names, Set<String> lists) {}

  @Override
  public boolean preHandle(
      HttpServletRequest request, HttpServletResponse response, Object handler) {
    String query = request.getQueryString();
    if (query == null || !ApiHandlers.isApi(handler)) {
      return true;
    }
    HandlerMethod method = (HandlerMethod) handler;
    Declared known = declared.computeIfAbsent(method.getMethod(), m -> declaredBy(method));
    Set<String> seen = new HashSet<>();
    for (String pair : query.split("&")) {
      String name = name(pair);
      if (name.isEmpty()) {
        continue;
      }
      if (!known.names().contains(name)) {
        throw new UnknownQueryParameterException(name, known.names());
      }
      if (pair.indexOf('=') < 0 || pair.indexOf('=') == pair.length() - 1) {
        throw new MalformedQueryParameterException(
            "query parameter %s has no value: give one, or leave the parameter out"
                .formatted(name));
      }
      if (!seen.add(name) && !known.lists().contains(name)) {
        throw new MalformedQueryParameterException(
            "query parameter %s is given more than once: give it once".formatted(name));
      }
    }
    return true;
  }

  private static Declared declaredBy(HandlerMethod method) {
    SortedSet<String> names = new TreeSet<>();
    Set<String> lists = new HashSet<>();
    for (MethodParameter parameter : method.getMethodParameters()) {
      RequestParam param = parameter.getParameterAnnotation(RequestParam.class);
      if (param != null) {
        String name = param.name().isEmpty() ? parameter.getParameterName() : param.name();
        names.add(name);
        Class<?> type = parameter.getParameterType();
        if (type.isArray() || Collection.class.isAssignableFrom(type)) {
          lists.add(name);
        }
      }
    }
    return new Declared(Collections.unmodifiableSortedSet(names), Set.copyOf(lists));
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
