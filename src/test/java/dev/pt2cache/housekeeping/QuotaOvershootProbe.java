package dev.pt2cache.housekeeping;

import static dev.pt2cache.housekeeping.FleetProbes.instance;
import static dev.pt2cache.housekeeping.FleetProbes.port;
import static dev.pt2cache.housekeeping.FleetProbes.ready;

import dev.pt2cache.support.ApiClient;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Fixtures;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Figures for the quotas of docs/operations.md, on two instances of one PostgreSQL and bucket: how
 * far and how long uploads racing into a full namespace take it over its quota. It prints lines
 * starting {@code PROBE} and asserts nothing, and is not part of the suite (its name ends in
 * Probe):
 *
 * <pre>
 * ./mvnw -o -q -B verify -Djacoco.skip=true -Dsurefire.failIfNoSpecifiedTests=false \
 *   -Dtest='QuotaOvershootProbe' [-Dprobe.retention=30s] [-Dprobe.threads=32 -Dprobe.each=5]
 * grep -h PROBE target/surefire-reports/*-output.txt
 * </pre>
 */
class QuotaOvershootProbe {

  @Test
  void bound() throws Exception {
    String interval = System.getProperty("probe.retention", "2s");
    int threads = Integer.getInteger("probe.threads", 32);
    int each = Integer.getInteger("probe.each", 5);
    int size = 10_000;
    long quota = 200_000;
    Map<String, String> cfg =
        Map.of("PT2CACHE_RETENTION_INTERVAL", interval, "PT2CACHE_HOUSEKEEPING_ENABLED", "true");
    try (var a = instance(cfg);
        var b = instance(cfg)) {
      ApiClient[] api = {new ApiClient(port(a)), new ApiClient(port(b))};
      JdbcClient jdbc = a.getBean(JdbcClient.class);
      String ns = "bound-" + UUID.randomUUID().toString().substring(0, 8);
      api[0].putJson("/v1/namespaces/" + ns, "{\"quotaBytes\": " + quota + "}");
      for (int i = 0; i < 18; i++) {
        api[0].putBytes(
            "/v1/namespaces/" + ns + "/entries/fx-graph/pre" + i, Fixtures.randomBytes(size));
      }
      System.out.printf("PROBE bound: prefilled %d of quota %d%n", ready(jdbc, ns), quota);
      AtomicBoolean done = new AtomicBoolean();
      long t0 = System.nanoTime();
      List<long[]> samples = Collections.synchronizedList(new ArrayList<>());
      Thread sampler =
          new Thread(
              () -> {
                while (!done.get()) {
                  samples.add(new long[] {(System.nanoTime() - t0) / 1_000_000, ready(jdbc, ns)});
                  try {
                    Thread.sleep(20);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              });
      sampler.start();
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      ConcurrentHashMap<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int tt = t;
        fs.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < each; i++) {
                    ApiResponse r =
                        api[tt % 2].putBytes(
                            "/v1/namespaces/" + ns + "/entries/fx-graph/k" + tt + "-" + i,
                            Fixtures.randomBytes(size));
                    statuses
                        .computeIfAbsent(r.status(), s -> new AtomicInteger())
                        .incrementAndGet();
                  }
                }));
      }
      for (Future<?> f : fs) f.get();
      long uploadsEnd = (System.nanoTime() - t0) / 1_000_000;
      pool.shutdown();
      // wait until back at or under quota, at most 6 intervals
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (ready(jdbc, ns) > quota && System.nanoTime() < deadline) Thread.sleep(50);
      Thread.sleep(300);
      done.set(true);
      sampler.join();
      long max = samples.stream().mapToLong(s -> s[1]).max().orElse(0);
      long firstOver =
          samples.stream().filter(s -> s[1] > quota).mapToLong(s -> s[0]).min().orElse(-1);
      long lastOver =
          samples.stream().filter(s -> s[1] > quota).mapToLong(s -> s[0]).max().orElse(-1);
      System.out.printf(
          "PROBE bound: interval=%s threads=%d uploads=%d statuses=%s uploadsEndMs=%d%n",
          interval, threads, threads * each, statuses, uploadsEnd);
      System.out.printf(
          "PROBE bound: max ready=%d (%.2fx quota), over quota from %d ms to %d ms (%d ms), final=%d, evictions=%s%n",
          max,
          max / (double) quota,
          firstOver,
          lastOver,
          lastOver - firstOver,
          ready(jdbc, ns),
          jdbc.sql("select reason||':'||count(*) from eviction where namespace=? group by reason")
              .param(ns)
              .query(String.class)
              .list());
      // was a just-uploaded artifact ever the one evicted while older ones stayed? count evicted
      // "k" vs "pre"
      System.out.printf(
          "PROBE bound: evicted pre=%d k=%d; ready pre=%d k=%d%n",
          jdbc.sql(
                  "select count(*) from artifact where namespace=? and state='EVICTED' and cache_key like 'pre%'")
              .param(ns)
              .query(Long.class)
              .single(),
          jdbc.sql(
                  "select count(*) from artifact where namespace=? and state='EVICTED' and cache_key like 'k%'")
              .param(ns)
              .query(Long.class)
              .single(),
          jdbc.sql(
                  "select count(*) from artifact where namespace=? and state='READY' and cache_key like 'pre%'")
              .param(ns)
              .query(Long.class)
              .single(),
          jdbc.sql(
                  "select count(*) from artifact where namespace=? and state='READY' and cache_key like 'k%'")
              .param(ns)
              .query(Long.class)
              .single());
      System.out.printf(
          "PROBE bound: runs=%s%n",
          jdbc.sql(
                  "select instance||' '||to_char(started_at,'MI:SS.MS')||' '||outcome::text from housekeeping_run where job='retention' and outcome::text like '%evicted%' order by started_at desc limit 6")
              .query(String.class)
              .list());
      // counters after the dust settles
      ApiResponse nsv = api[1].get("/v1/namespaces/" + ns);
      System.out.printf("PROBE counters: api A=%s%n", api[0].get("/v1/namespaces/" + ns).text());
      System.out.printf("PROBE counters: api B=%s%n", nsv.text());
      System.out.printf(
          "PROBE counters: db ready=%d count=%d, distinct blobs of ready=%d%n",
          ready(jdbc, ns),
          jdbc.sql("select count(*) from artifact where namespace=? and state='READY'")
              .param(ns)
              .query(Long.class)
              .single(),
          jdbc.sql(
                  "select count(distinct sha256) from artifact where namespace=? and state='READY'")
              .param(ns)
              .query(Long.class)
              .single());
      Thread.sleep(1000);
      String metrics = api[0].get("/actuator/prometheus").text();
      metrics
          .lines()
          .filter(l -> l.contains(ns))
          .forEach(l -> System.out.println("PROBE metrics A: " + l));
    }
  }
}
