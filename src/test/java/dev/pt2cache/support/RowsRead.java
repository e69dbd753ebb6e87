package dev.pt2cache.support;

import dev.pt2cache.descriptor.CanonicalJson;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * Rows of one table that a statement read, as PostgreSQL's own count of them ({@code explain
 * analyze}): whether an index serves a query shows in rows read, which do not depend on how busy
 * the machine is, where a time would.
 */
public final class RowsRead {

  private RowsRead() {}

  public static long of(JdbcClient jdbc, String table, String statement) {
    String plan =
        jdbc.sql("explain (analyze, format json) " + statement).query(String.class).single();
    return of(table, CanonicalJson.parse(plan, JsonNode.class).get(0).get("Plan"));
  }

  private static long of(String table, JsonNode node) {
    long read = 0;
    if (table.equals(node.path("Relation Name").asString(""))) {
      read +=
          node.path("Actual Rows").asLong(0)
              + node.path("Rows Removed by Filter").asLong(0)
              + node.path("Rows Removed by Index Recheck").asLong(0);
    }
    for (JsonNode child : node.path("Plans")) {
      read += of(table, child);
    }
    return read;
  }
}
