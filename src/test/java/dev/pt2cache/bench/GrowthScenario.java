package dev.pt2cache.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Lookup hits as the store grows: rows are seeded straight through SQL (fast), then the same lookup
 * is measured at each size, beside the same select on PostgreSQL.
 */
final class GrowthScenario {

  private static final int CHUNK = 100_000;

  private GrowthScenario() {}

  /** The rows, and how long seeding up to each size took (seconds). */
  static List<Row> run(
      Target target,
      Fixture fixture,
      int[] sizes,
      int concurrency,
      int seconds,
      String user,
      String password,
      Map<Integer, Double> seedingSeconds)
      throws Exception {
    List<Row> rows = new ArrayList<>();
    String url = target.url() + "/v1/namespaces/" + fixture.namespace() + "/lookups";
    try (Connection db = DriverManager.getConnection(target.jdbcUrl(), user, password)) {
      int stored = 1; // the fixture's own artifact
      for (int size : sizes) {
        long started = System.nanoTime();
        while (stored < size) {
          int to = Math.min(size, stored + CHUNK);
          seed(db, fixture.namespace(), stored, to);
          stored = to;
        }
        try (var analyze = db.createStatement()) {
          analyze.execute("analyze artifact");
        }
        seedingSeconds.put(size, (System.nanoTime() - started) / 1e9);
        rows.add(
            new Row(
                "growth",
                "lookup hit, " + String.format("%,d", size) + " artifacts",
                concurrency,
                "req/s",
                Wrk.post(url, fixture.hitLookup(), concurrency, seconds),
                PgBench.select(
                    target.database(),
                    fixture.readySelect(fixture.hitKey()),
                    concurrency,
                    seconds)));
      }
    }
    return rows;
  }

  private static void seed(Connection db, String namespace, int from, int to) throws Exception {
    try (PreparedStatement insert =
        db.prepareStatement(
            """
        insert into artifact (id, namespace, kind, cache_key, state, sha256, size_bytes,
                              created_at, ready_at, hit_count, model_name, model_version,
                              torch_version, gpu_name, descriptor)
        select gen_random_uuid(), ?, 'mega-cache', encode(sha256(('seed-' || i)::bytea), 'hex'),
               'READY', encode(sha256(('blob-' || i)::bytea), 'hex'), 1000000, now(), now(), 0,
               'seeded-' || (i % 5000), '1', '2.11.0+cu130', 'NVIDIA H100 80GB HBM3',
               '{"model":{"name":"seeded","version":"1"}}'::jsonb
          from generate_series(?, ?) i
        """)) {
      insert.setString(1, namespace);
      insert.setInt(2, from + 1);
      insert.setInt(3, to);
      insert.executeUpdate();
    }
  }

  static Map<Integer, Double> newTimes() {
    return new LinkedHashMap<>();
  }
}
