package dev.pt2cache.walk;

import dev.pt2cache.walk.History.Op;

/** What each role may do (docs/access.md), as a concurrent walk's calls need it. */
final class Roles {

  private Roles() {}

  /** Whether the caller's token allows this call in this namespace ("-global-": housekeeping). */
  static boolean may(Caller caller, Op op, String ns) {
    return caller.may(ns, needed(op));
  }

  static int needed(Op op) {
    return switch (op) {
      case LOOKUP,
          FETCH_HIT,
          DOWNLOAD,
          GET_ENTRY,
          HEAD_CONTENT,
          HEAD_ENTRY,
          RANGE_CONTENT,
          RANGE_ENTRY ->
          Caller.READ;
      case DECLARE, SEND, PUT_ENTRY, REPORT -> Caller.WRITE;
      case INVALIDATE, BLOCK, LIFT, CLEAR_REPORTS, SETTINGS -> Caller.ADMIN;
      // in every namespace: a token of one namespace never runs them, whatever its role
      case RETENTION, PURGE, RECONCILE -> Caller.ADMIN;
    };
  }
}
