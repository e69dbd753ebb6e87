package dev.pt2cache.auth;

/**
 * What one API operation needs: a role, in the namespace of its path or, for operations on the
 * whole service, in every namespace.
 */
record Access(Role role, boolean everyNamespace) {

  static Access in(Role role) {
    return new Access(role, false);
  }

  static Access everywhere(Role role) {
    return new Access(role, true);
  }

  String describe(String namespace) {
    return role.in(everyNamespace ? null : namespace);
  }
}
