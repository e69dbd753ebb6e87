package dev.pt2cache.problem;

import dev.pt2cache.system.SqlCauses;
import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;

/**
 * PostgreSQL refusing to write anything while it still answers reads: a server that turned
 * read-only (a primary demoted to a standby in a failover, or {@code default_transaction_read_only}
 * set while one is under way) or a disk that is full. Nothing was written and the request may
 * simply be sent again once the operator has mended the database, so it is a {@code 503} with
 * {@code Retry-After}, not the service's own failure ({@code 500}); reads go on meanwhile, so a
 * client that stops writing may still read.
 */
final class RefusedWrites {

  private static final Map<String, String> WHY =
      Map.of(
          "25006", // read_only_sql_transaction
          "the database is read-only (a standby, or a failover under way) and refuses writes;"
              + " reads go on; try again",
          "53100", // disk_full
          "the database's disk is full and it refuses writes; reads go on; try again");

  private RefusedWrites() {}

  /** The problem's detail, when a cause of {@code failure} is such a refusal. */
  static Optional<String> describe(Throwable failure) {
    return SqlCauses.first(failure, WHY.keySet()).map(SQLException::getSQLState).map(WHY::get);
  }
}
