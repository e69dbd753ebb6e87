package dev.pt2cache.housekeeping;

import static dev.pt2cache.housekeeping.FleetProbes.instance;
import static dev.pt2cache.housekeeping.FleetProbes.port;
import static dev.pt2cache.housekeeping.FleetProbes.ready;

import dev.pt2cache.support.ApiClient;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.EmbeddedInfra;
import dev.pt2cache.support.Fixtures;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Figures for docs/operations.md's last-hit bookkeeping, on two instances of one PostgreSQL and
 * bucket: which artifact {@code retention} on one instance evicts when the other holds a hit
 * unwritten, downloads under way when their artifact is evicted and purged, a content shared by two
 * keys, and the usage figures after. It prints lines starting {@code PROBE} and asserts nothing,
 * and is not part of the suite (its name ends in Probe); the quota's figures are {@link
 * QuotaOvershootProbe}'s:
 *
 * <pre>
 * ./mvnw -o -q -B verify -Djacoco.skip=true -Dsurefire.failIfNoSpecifiedTests=false \
 *   -Dtest='FleetEvictionProbe' [-Dprobe.aged=true]   # x, y, z idle for hours before the hit
 *   [-Dprobe.delays=80,100,120]                        # ms from the hit to the run, 0,50,...,7000
 * grep -h PROBE target/surefire-reports/*-output.txt
 * </pre>
 */
class FleetEvictionProbe {

  static final HttpClient HTTP = HttpClient.newHttpClient();

  static String upload(ApiClient api, String ns, String model, byte[] bytes) {
    ApiResponse c =
        api.postJson(
            "/v1/namespaces/" + ns + "/artifacts",
            Descriptors.upload(
                "mega-cache", Descriptors.of(model), Fixtures.sha256(bytes), bytes.length));
    String id = c.json().get("id").asString();
    if (c.json().has("uploadUrl")) {
      ApiResponse put = api.putBytes(c.json().get("uploadUrl").asString(), bytes);
      if (put.status() >= 300) throw new IllegalStateException("put " + put.status() + put.text());
    }
    return id;
  }

  static ApiResponse lookup(ApiClient api, String ns, String model) {
    return api.postJson(
        "/v1/namespaces/" + ns + "/lookups",
        Descriptors.lookup("mega-cache", Descriptors.of(model)));
  }

  static String retention(ApiClient api) {
    return api.postJson("/v1/housekeeping/jobs/retention/runs", "").text();
  }

  static String state(JdbcClient jdbc, String id) {
    return jdbc.sql("select state from artifact where id=?::uuid")
        .param(id)
        .query(String.class)
        .single();
  }

  static HttpResponse<InputStream> open(int port, String path, String... headers) throws Exception {
    HttpRequest.Builder r =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Authorization", "Bearer " + EmbeddedInfra.ADMIN_TOKEN);
    for (int i = 0; i < headers.length; i += 2) r.header(headers[i], headers[i + 1]);
    return HTTP.send(r.GET().build(), HttpResponse.BodyHandlers.ofInputStream());
  }

  static String finish(HttpResponse<InputStream> r, byte[] head, byte[] expected) {
    try (InputStream in = r.body()) {
      byte[] rest = in.readAllBytes();
      byte[] all = new byte[head.length + rest.length];
      System.arraycopy(head, 0, all, 0, head.length);
      System.arraycopy(rest, 0, all, head.length, rest.length);
      return "status="
          + r.statusCode()
          + " len="
          + all.length
          + " contentLength="
          + r.headers().firstValue("Content-Length").orElse("-")
          + " identical="
          + Arrays.equals(all, expected);
    } catch (Exception e) {
      return "status=" + r.statusCode() + " ended with " + e;
    }
  }

  @Test
  void orderAndInFlight() throws Exception {
    Map<String, String> cfg =
        Map.of(
            "PT2CACHE_HOUSEKEEPING_ENABLED",
            "false",
            "PT2CACHE_GRACE",
            "1s",
            "pt2cache.housekeeping.gauge-interval",
            "1s");
    try (var a = instance(cfg);
        var b = instance(cfg)) {
      ApiClient A = new ApiClient(port(a)), B = new ApiClient(port(b));
      JdbcClient jdbc = a.getBean(JdbcClient.class);
      // 2: a hit on B, not flushed, then retention on A after d ms
      String delays =
          System.getProperty("probe.delays", "0,50,100,150,200,400,1000,2000,3000,4000,5500,7000");
      for (int d : Arrays.stream(delays.split(",")).mapToInt(Integer::parseInt).toArray()) {
        String ns = "order-" + UUID.randomUUID().toString().substring(0, 8);
        A.putJson("/v1/namespaces/" + ns, "{\"quotaBytes\": 100000}");
        String x = upload(A, ns, "x", Fixtures.randomBytes(30_000));
        Thread.sleep(20);
        String y = upload(A, ns, "y", Fixtures.randomBytes(30_000));
        Thread.sleep(20);
        String z = upload(A, ns, "z", Fixtures.randomBytes(30_000));
        if (Boolean.getBoolean("probe.aged")) {
          jdbc.sql("update artifact set ready_at = now() - interval '3 hours' where id=?::uuid")
              .param(x)
              .update();
          jdbc.sql("update artifact set ready_at = now() - interval '2 hours' where id=?::uuid")
              .param(y)
              .update();
          jdbc.sql("update artifact set ready_at = now() - interval '1 hours' where id=?::uuid")
              .param(z)
              .update();
        }
        String w = upload(A, ns, "w", Fixtures.randomBytes(30_000));
        long hitAt = System.nanoTime();
        boolean hit = lookup(B, ns, "x").json().get("hit").asBoolean();
        long wait = d - (System.nanoTime() - hitAt) / 1_000_000;
        if (wait > 0) Thread.sleep(wait);
        long at = (System.nanoTime() - hitAt) / 1_000_000;
        String run = retention(A);
        System.out.printf(
            "PROBE order: hit on B=%s, retention on A %d ms after: x(just hit)=%s y(idle)=%s z=%s"
                + " w(newest)=%s; %s%n",
            hit, at, state(jdbc, x), state(jdbc, y), state(jdbc, z), state(jdbc, w), run);
      }
      // 3: in flight
      String ns = "flight-" + UUID.randomUUID().toString().substring(0, 8);
      int big = 16_000_000;
      A.putJson("/v1/namespaces/" + ns, "{\"quotaBytes\": 40000000}");
      byte[] xb = Fixtures.randomBytes(big);
      String x = upload(A, ns, "x", xb);
      Thread.sleep(20);
      String y = upload(A, ns, "y", Fixtures.randomBytes(big));
      ApiResponse lk = lookup(B, ns, "x");
      String path = "/v1/namespaces/" + ns + "/artifacts/" + x + "/content";
      HttpResponse<InputStream> whole = open(port(b), path);
      byte[] wholeHead = whole.body().readNBytes(65536);
      HttpResponse<InputStream> ranged = open(port(b), path, "Range", "bytes=1000-14999999");
      byte[] rangedHead = ranged.body().readNBytes(65536);
      HttpResponse<InputStream> zero = open(port(b), path, "Range", "bytes=0-");
      byte[] zeroHead = zero.body().readNBytes(65536);
      Thread.sleep(
          5500); // B flushes its hit on x, so y is the least recently used: make x the oldest again
      jdbc.sql(
              "update artifact set last_hit_at = null, ready_at = ready_at - interval '1 hour' where id=?::uuid")
          .param(x)
          .update();
      upload(A, ns, "z", Fixtures.randomBytes(big));
      System.out.printf(
          "PROBE flight: retention %s; x=%s y=%s%n", retention(A), state(jdbc, x), state(jdbc, y));
      System.out.printf(
          "PROBE flight: whole download begun before eviction: %s%n", finish(whole, wholeHead, xb));
      System.out.printf(
          "PROBE flight: ranged download begun before eviction: %s%n",
          finish(ranged, rangedHead, Arrays.copyOfRange(xb, 1000, 15_000_000)));
      System.out.printf(
          "PROBE flight: after eviction, lookup hit before (id %s) -> GET content %d %s%n",
          lk.json().get("artifact").get("id").asString(),
          B.get(path).status(),
          B.get(path).header("Content-Type"));
      System.out.printf(
          "PROBE flight: after eviction, GET content with Range: %d; HEAD %d; lookup now %s%n",
          B.get(path, "Range", "bytes=0-10").status(),
          B.head(path).status(),
          lookup(B, ns, "x").text().replaceAll("\"descriptor\".*", ""));
      // purge while a download begun before the eviction is still paused, grace 1 s
      Thread.sleep(1500);
      System.out.printf(
          "PROBE flight: purge %s%n", A.postJson("/v1/housekeeping/jobs/purge/runs", "").text());
      System.out.printf(
          "PROBE flight: bytes=0- download begun before eviction, resumed after purge: %s%n",
          finish(zero, zeroHead, xb));
      // dedup
      String dns = "dedup-" + UUID.randomUUID().toString().substring(0, 8);
      A.putJson("/v1/namespaces/" + dns, "{\"quotaBytes\": 100000}");
      byte[] same = Fixtures.randomBytes(40_000);
      A.putBytes("/v1/namespaces/" + dns + "/entries/fx-graph/k1", same);
      Thread.sleep(20);
      A.putBytes("/v1/namespaces/" + dns + "/entries/fx-graph/k2", same);
      Thread.sleep(20);
      A.putBytes("/v1/namespaces/" + dns + "/entries/fx-graph/k3", Fixtures.randomBytes(40_000));
      System.out.printf("PROBE dedup: retention %s%n", retention(A));
      System.out.printf(
          "PROBE dedup: states %s%n",
          jdbc.sql(
                  "select cache_key||'='||state from artifact where namespace=? order by cache_key")
              .param(dns)
              .query(String.class)
              .list());
      Thread.sleep(1500);
      System.out.printf(
          "PROBE dedup: purge %s%n", A.postJson("/v1/housekeeping/jobs/purge/runs", "").text());
      ApiResponse k2 = B.get("/v1/namespaces/" + dns + "/entries/fx-graph/k2");
      ApiResponse k1 = B.get("/v1/namespaces/" + dns + "/entries/fx-graph/k1");
      System.out.printf(
          "PROBE dedup: k2 %d identical=%s; k1 %d%n",
          k2.status(), Arrays.equals(k2.body(), same), k1.status());
      // 4: counters
      Thread.sleep(6000);
      for (String n : List.of(ns, dns)) {
        System.out.printf(
            "PROBE counters %s: api=%s db=%d blobs(all)=%s%n",
            n,
            A.get("/v1/namespaces/" + n).text().replaceAll("\"createdAt.*", ""),
            ready(jdbc, n),
            jdbc.sql("select count(*)||' rows '||coalesce(sum(size_bytes),0)||' bytes' from blob")
                .query(String.class)
                .single());
        B.get("/actuator/prometheus")
            .text()
            .lines()
            .filter(l -> l.contains(n) && l.startsWith("pt2cache_namespace"))
            .forEach(l -> System.out.println("PROBE metrics B: " + l));
      }
      System.out.printf(
          "PROBE counters: reconcile %s%n",
          A.postJson("/v1/housekeeping/jobs/reconcile/runs", "").text());
      B.get("/actuator/prometheus")
          .text()
          .lines()
          .filter(l -> l.startsWith("pt2cache_bucket"))
          .forEach(l -> System.out.println("PROBE metrics B: " + l));
    }
  }
}
