package dev.pt2cache.auth;

import static dev.pt2cache.auth.Role.ADMIN;
import static dev.pt2cache.auth.Role.READ;
import static dev.pt2cache.auth.Role.WRITE;
import static java.util.Map.entry;

import java.util.Map;

/**
 * The access each operation of openapi.yaml needs, by its operationId (the name of the method that
 * serves it). An operation missing here needs admin in every namespace: a new endpoint is closed
 * until it is given its place.
 */
final class Operations {

  static final Map<String, Access> ACCESS =
      Map.ofEntries(
          entry("listNamespaces", Access.everywhere(READ)),
          entry("getNamespace", Access.in(READ)),
          entry("putNamespace", Access.in(ADMIN)),
          entry("patchNamespace", Access.in(ADMIN)),
          entry("lookup", Access.in(READ)),
          entry("createArtifact", Access.in(WRITE)),
          entry("listArtifacts", Access.in(READ)),
          entry("getArtifact", Access.in(READ)),
          entry("uploadContent", Access.in(WRITE)),
          entry("downloadContent", Access.in(READ)),
          entry("headContent", Access.in(READ)),
          entry("invalidate", Access.in(ADMIN)),
          entry("listInvalidations", Access.in(READ)),
          entry("liftRule", Access.in(ADMIN)),
          entry("listEvictions", Access.in(READ)),
          entry("reportArtifact", Access.in(WRITE)),
          entry("listReports", Access.in(READ)),
          entry("clearReports", Access.in(ADMIN)),
          entry("getEntry", Access.in(READ)),
          entry("headEntry", Access.in(READ)),
          entry("putEntry", Access.in(WRITE)),
          entry("listJobRuns", Access.everywhere(ADMIN)),
          entry("runJob", Access.everywhere(ADMIN)),
          entry("listTokens", Access.everywhere(ADMIN)),
          entry("createToken", Access.everywhere(ADMIN)),
          entry("revokeToken", Access.everywhere(ADMIN)));

  private static final Access UNLISTED = Access.everywhere(ADMIN);

  private Operations() {}

  static Access of(String operationId) {
    return ACCESS.getOrDefault(operationId, UNLISTED);
  }
}
