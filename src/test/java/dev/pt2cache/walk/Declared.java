package dev.pt2cache.walk;

/** The answers a declaration ({@code POST .../artifacts}) or an entry's {@code PUT} may get. */
enum Declared {
  BLOCKED(409, "blocked-by-rule"),
  TOO_LARGE(413, "exceeds-quota"),
  CONFLICT(409, "key-conflict"),
  IN_FLIGHT(409, "upload-in-flight"),
  SAME(200, null),
  DEDUP(201, null),
  PENDING(201, null),
  STORED(201, null);

  final int status;
  final String type;

  Declared(int status, String type) {
    this.status = status;
    this.type = type;
  }
}
