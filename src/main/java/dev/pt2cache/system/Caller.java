package dev.pt2cache.system;

import jakarta.servlet.http.HttpServletRequest;
import java.util.UUID;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;

/**
 * Who is calling, as the token check established it before an API call's handler ran: the name of
 * the caller's token (never the secret), for operations that record who did what, and whether its
 * grant holds in every namespace, for the few settings that only the operator may change.
 */
public final class Caller {

  /** The caller's name where nobody is asked for a token ({@code PT2CACHE_AUTH=none}). */
  public static final String ANONYMOUS = "anonymous";

  private static final String TOKEN_NAME = Caller.class.getName() + ".tokenName";
  private static final String TOKEN_ID = Caller.class.getName() + ".tokenId";
  private static final String EVERY_NAMESPACE = Caller.class.getName() + ".everyNamespace";

  /**
   * Who made a change, as its record keeps it (docs/adr/0049): the name of the caller's token and
   * its id, null for a token that is not stored (the operator's, {@code env:PT2CACHE_ADMIN_TOKEN};
   * {@link #ANONYMOUS}) and for the service itself. Never the secret.
   */
  public record Token(String name, UUID id) {}

  /**
   * The service itself, where it retires content it found lost or damaged: no caller asked for it,
   * and a name no token can have (token names allow no colon).
   */
  public static final Token CONTENT_LOSS = new Token("service:content-loss", null);

  private Caller() {}

  /** The current request's token, as {@link #tokenName} and its id. */
  public static Token token() {
    return new Token(
        tokenName(),
        (UUID)
            RequestContextHolder.currentRequestAttributes()
                .getAttribute(TOKEN_ID, RequestAttributes.SCOPE_REQUEST));
  }

  /**
   * The current request's token name, set before an API call's handler runs: by the token check,
   * or, with authentication off, as {@link #ANONYMOUS}. Fails where neither ran, which is a bug.
   */
  public static String tokenName() {
    return (String) required(TOKEN_NAME);
  }

  /**
   * Whether the caller's grant holds in every namespace, as the operator's does. With
   * authentication off every caller is trusted as the operator is.
   */
  public static boolean inEveryNamespace() {
    return (Boolean) required(EVERY_NAMESPACE);
  }

  /** Called by the token check (or, with authentication off, for every API call). */
  public static void set(
      HttpServletRequest request, String tokenName, UUID tokenId, boolean everyNamespace) {
    request.setAttribute(TOKEN_NAME, tokenName);
    if (tokenId != null) {
      request.setAttribute(TOKEN_ID, tokenId);
    }
    request.setAttribute(EVERY_NAMESPACE, everyNamespace);
  }

  private static Object required(String attribute) {
    Object value =
        RequestContextHolder.currentRequestAttributes()
            .getAttribute(attribute, RequestAttributes.SCOPE_REQUEST);
    if (value == null) {
      throw new IllegalStateException("no caller was established for this request");
    }
    return value;
  }
}
