package dev.pt2cache.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * Lookups, hit and miss, at several concurrencies through wrk; the floor is pgbench running the
 * select that finds the ready artifact of a key, on the same PostgreSQL, at the same concurrency.
 */
final class LookupScenario {

  /**
   * Long enough for the JIT to finish the hot paths: on two cores, C2 keeps compiling for about a
   * minute of lookups, and throughput doubles over that minute (docs/adr/0010).
   */
  static final int WARM_UP_SECONDS = 60;

  private LookupScenario() {}

  static List<Row> run(Target target, Fixture fixture, int[] concurrencies, int seconds)
      throws Exception {
    List<Row> rows = new ArrayList<>();
    String url = target.url() + "/v1/namespaces/" + fixture.namespace() + "/lookups";
    // warm-up: a serving fleet meets a warm service, so the JIT compiles the hot paths first
    Wrk.post(url, fixture.hitLookup(), 16, WARM_UP_SECONDS);
    Wrk.post(url, fixture.missLookup(), 16, WARM_UP_SECONDS / 3);
    for (int c : concurrencies) {
      rows.add(
          new Row(
              "lookup",
              "hit",
              c,
              "req/s",
              Wrk.post(url, fixture.hitLookup(), c, seconds),
              PgBench.select(
                  target.database(), fixture.readySelect(fixture.hitKey()), c, seconds)));
      rows.add(
          new Row(
              "lookup",
              "miss",
              c,
              "req/s",
              Wrk.post(url, fixture.missLookup(), c, seconds),
              PgBench.select(
                  target.database(), fixture.readySelect(fixture.missKey()), c, seconds)));
    }
    return rows;
  }
}
