package dev.pt2cache.auth;

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
   * The current request's token name. With authentication on, every API call has one before its
   * handler runs; with it off, every caller is {@link #ANONYMOUS}.
   */
  public static String tokenName() {
    Object name =
        RequestContextHolder.currentRequestAttributes()
            .getAttribute(TOKEN_NAME, RequestAttributes.SCOPE_REQUEST);
    return name == null ? ANONYMOUS : (String) name;
  }
}
