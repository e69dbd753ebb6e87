package dev.pt2cache.auth;

/**
 * What the caller's token allows.
 *
 * @param tokenName who is calling, for logs and errors
 * @param namespace the one namespace the token works in, or null for all
 */
record Grant(String tokenName, String namespace, Role role) {

  boolean allows(Access needed, String namespaceAsked) {
    if (!role.includes(needed.role())) {
      return false;
    }
    return namespace == null || (!needed.everyNamespace() && namespace.equals(namespaceAsked));
  }

  String describe() {
    return role.in(namespace);
  }
}
