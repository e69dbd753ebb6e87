package dev.pt2cache.auth;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;

/**
 * Who is calling, as {@link AccessInterceptor} authenticated it: the name of the caller's token,
 * for an operation that records who did what (never the secret).
 */
public final class Caller {

  /** The caller's name where nobody is asked for a token ({@code PT2CACHE_AUTH=none}). */
  public static final String ANONYMOUS = "anonymous";

  static final String TOKEN_NAME = Caller.class.getName() + ".tokenName";

  private Caller() {}

  /**
   * The current request's token name, set before an API call's handler runs: by the token check,
   * or, with authentication off, as {@link #ANONYMOUS}. Fails where neither ran, which is a bug.
   */
  public static String tokenName() {
    Object name =
        RequestContextHolder.currentRequestAttributes()
            .getAttribute(TOKEN_NAME, RequestAttributes.SCOPE_REQUEST);
    if (name == null) {
      throw new IllegalStateException("no caller was established for this request");
    }
    return (String) name;
  }

  static void set(HttpServletRequest request, String tokenName) {
    request.setAttribute(TOKEN_NAME, tokenName);
  }
}
