package dev.pt2cache.auth;

import java.time.Instant;
import java.util.UUID;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;

/**
 * What the caller's token allows.
 *
 * @param tokenId the token's id; null for the operator's, which is not stored
 * @param tokenName who is calling, for logs and errors
 * @param namespace the one namespace the token works in, or null for all
 * @param expiresAt when the token stops working; null for never
 */
record Grant(UUID tokenId, String tokenName, String namespace, Role role, Instant expiresAt) {

  private static final String ATTRIBUTE = Grant.class.getName();

  boolean allows(Access needed, String namespaceAsked) {
    if (!role.includes(needed.role())) {
      return false;
    }
    return namespace == null || (!needed.everyNamespace() && namespace.equals(namespaceAsked));
  }

  String describe() {
    return role.in(namespace);
  }

  /** Kept for the request's handler, set by the token check. */
  void keepFor(jakarta.servlet.http.HttpServletRequest request) {
    request.setAttribute(ATTRIBUTE, this);
  }

  /** The grant the token check established for the current request. */
  static Grant current() {
    Object grant =
        RequestContextHolder.currentRequestAttributes()
            .getAttribute(ATTRIBUTE, RequestAttributes.SCOPE_REQUEST);
    if (grant == null) {
      throw new IllegalStateException("no token was checked for this request");
    }
    return (Grant) grant;
  }
}
