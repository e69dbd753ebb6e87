package dev.pt2cache.auth;

import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;

/**
 * Who is calling, as {@link AccessInterceptor} authenticated it: the name of the caller's token,
 * for an operation that records who did what (never the secret).
 */
public final class Caller {

  static final String TOKEN_NAME = Caller.class.getName() + ".tokenName";

  private Caller() {}

  /** The current request's token name; fails outside an authenticated API call. */
  public static String tokenName() {
    Object name =
        RequestContextHolder.currentRequestAttributes()
            .getAttribute(TOKEN_NAME, RequestAttributes.SCOPE_REQUEST);
    if (name == null) {
      throw new IllegalStateException("no authenticated caller in this request");
    }
    return (String) name;
  }
}
