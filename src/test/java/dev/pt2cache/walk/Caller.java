package dev.pt2cache.walk;

import dev.pt2cache.support.ApiClient;

/** Who calls: the operator, or a made token of one namespace (null: every namespace). */
record Caller(String name, ApiClient client, String ns, int role) {

  static final int READ = 0;
  static final int WRITE = 1;
  static final int ADMIN = 2;
  static final int OPERATOR = 3;

  boolean may(String namespace, int needed) {
    return role == OPERATOR || (ns == null || ns.equals(namespace)) && role >= needed;
  }
}
