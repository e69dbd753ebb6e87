package dev.pt2cache.bench;

import com.sun.net.httpserver.HttpServer;
import dev.pt2cache.support.EmbeddedInfra;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How long a just-started instance takes to answer its first requests: the packaged service in a
 * JVM of its own on PostgreSQL and S3Proxy, started {@code FIRST_STARTS} times (3); after each
 * start, as soon as readiness answers 200, each operation in turn for ten rounds, printing its
 * first, second and tenth latency; then, after another start, 16 entry GETs at once, 16 entry PUTs
 * at once and 16 lookups at once (a compile's workers), printing the slowest of each burst. The
 * client's own JVM is warmed first against a local server, so only the service's first requests are
 * measured. A benchmark, not a test: it prints numbers and never fails on them. Run it with {@code
 * bench/first-requests.sh}; {@code BENCH_JAVA} and {@code BENCH_SERVICE_OPTS} pick the service's
 * JVM and its options, and {@code PT2CACHE_*} settings are passed on.
 */
public final class FirstRequests {

  private static final int ROUNDS = 10;
  private static final int WORKERS = 16;
  private static final String NS = "first-requests";

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
  private String url;
  private String hitLookup;
  private String missLookup;
  private String artifactId;
  private final java.util.Random random = new java.util.Random(7);

  public static void main(String[] args) throws Exception {
    int starts = Integer.parseInt(env("FIRST_STARTS", "3"));
    String java =
        env("BENCH_JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> jvm = Arrays.asList(env("BENCH_SERVICE_OPTS", "-Xms256m -Xmx256m").split(" "));
    Path dir = Files.createTempDirectory("pt2cache-first-");
    EmbeddedInfra infra = EmbeddedInfra.start(dir, false).stopOnExit();
    Map<String, String> serviceEnv = new LinkedHashMap<>(infra.serviceEnvironment());
    System.getenv().entrySet().stream()
        .filter(e -> e.getKey().startsWith("PT2CACHE_"))
        .forEach(e -> serviceEnv.put(e.getKey(), e.getValue()));
    FirstRequests bench = new FirstRequests();
    bench.warmClient();
    System.out.println("service: " + java + " " + String.join(" ", jvm));
    try {
      try (ServiceProcess service = bench.start(java, jvm, serviceEnv, "seed")) {
        bench.seed();
      }
      for (int start = 1; start <= starts; start++) {
        try (ServiceProcess service = bench.start(java, jvm, serviceEnv, "sequence" + start)) {
          bench.sequence(start);
        }
      }
      for (int start = 1; start <= starts; start++) {
        try (ServiceProcess service = bench.start(java, jvm, serviceEnv, "burst" + start)) {
          bench.bursts(start);
        }
      }
    } finally {
      bench.pool.shutdownNow();
      infra.close();
    }
    System.exit(0);
  }

  private ServiceProcess start(String java, List<String> jvm, Map<String, String> env, String name)
      throws Exception {
    long started = System.nanoTime();
    ServiceProcess service =
        ServiceProcess.start(java, jvm, env, Path.of("target", "first-requests-" + name + ".log"));
    url = service.url;
    // it waits for /actuator/health; wait for readiness itself, as a balancer does
    while (http.send(get("/actuator/health/readiness"), BodyHandlers.discarding()).statusCode()
        != 200) {
      Thread.sleep(50);
    }
    System.out.printf("%s: ready %.1f s after the JVM started%n", name, seconds(started));
    return service;
  }

  /** The first start only stores what the later ones read: an artifact and an entry to hit. */
  private void seed() throws Exception {
    send(
        request("/v1/namespaces/" + NS)
            .header("Content-Type", "application/json")
            .PUT(BodyPublishers.ofString("{}")));
    String model = "first-" + UUID.randomUUID().toString().substring(0, 8);
    hitLookup = lookupBody(Fixture.descriptor(model, "2.11.0+cu130"));
    missLookup = lookupBody(Fixture.descriptor(model, "2.11.1+cu130"));
    byte[] content = new byte[4096];
    new java.util.Random(1).nextBytes(content);
    artifactId = upload(Fixture.descriptor(model, "2.11.0+cu130"), content);
    send(entryPut("seeded-entry"));
  }

  private void sequence(int start) throws Exception {
    Map<String, Callable<HttpRequest.Builder>> operations = new LinkedHashMap<>();
    String artifacts = "/v1/namespaces/" + NS + "/artifacts";
    operations.put("lookup hit", () -> post("/v1/namespaces/" + NS + "/lookups", hitLookup));
    operations.put("lookup miss", () -> post("/v1/namespaces/" + NS + "/lookups", missLookup));
    operations.put("content GET", () -> request(artifacts + "/" + artifactId + "/content"));
    operations.put("declare POST", () -> post(artifacts, declaration(fresh())));
    operations.put("entry GET hit", () -> request(entryPath("seeded-entry")));
    operations.put("entry GET miss", () -> request(entryPath("missing-" + UUID.randomUUID())));
    operations.put(
        "entry HEAD",
        () -> request(entryPath("seeded-entry")).method("HEAD", BodyPublishers.noBody()));
    operations.put("entry PUT", () -> entryPut("e-" + UUID.randomUUID()));
    operations.put(
        "report POST",
        () ->
            post(
                artifacts + "/" + artifactId + "/reports",
                "{\"problem\":\"other\",\"node\":\"first-requests-" + start + "\"}"));
    Map<String, double[]> times = new LinkedHashMap<>();
    operations.keySet().forEach(name -> times.put(name, new double[ROUNDS]));
    double[] contentPut = new double[ROUNDS];
    for (int round = 0; round < ROUNDS; round++) {
      for (var operation : operations.entrySet()) {
        times.get(operation.getKey())[round] = timed(operation.getValue().call());
      }
      byte[] content = fresh();
      String declared = send(post(artifacts, declaration(content)));
      contentPut[round] =
          timed(
              request(uploadUrl(declared))
                  .header("Content-Type", "application/octet-stream")
                  .PUT(BodyPublishers.ofByteArray(content)));
    }
    times.put("content PUT", contentPut);
    System.out.printf("  %-15s %8s %8s %8s%n", "operation", "1st", "2nd", "10th");
    times.forEach(
        (name, t) ->
            System.out.printf("  %-15s %8.3f %8.3f %8.3f%n", name, t[0], t[1], t[ROUNDS - 1]));
  }

  private void bursts(int start) throws Exception {
    burst("16 entry GETs", i -> request(entryPath(i % 2 == 0 ? "seeded-entry" : "m-" + i)));
    burst("16 entry PUTs", i -> entryPut("b" + start + "-" + i + "-" + UUID.randomUUID()));
    burst(
        "16 lookups",
        i -> post("/v1/namespaces/" + NS + "/lookups", i % 2 == 0 ? hitLookup : missLookup));
    burst("16 entry GETs", i -> request(entryPath(i % 2 == 0 ? "seeded-entry" : "m-" + i)));
    burst("16 entry PUTs", i -> entryPut("w" + start + "-" + i + "-" + UUID.randomUUID()));
  }

  private interface Requests {
    HttpRequest.Builder request(int worker) throws Exception;
  }

  private void burst(String name, Requests requests) throws Exception {
    List<Future<Double>> answers = new ArrayList<>();
    for (int i = 0; i < WORKERS; i++) {
      HttpRequest.Builder request = requests.request(i);
      answers.add(pool.submit(() -> timed(request)));
    }
    double[] t = new double[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
      t[i] = answers.get(i).get();
    }
    Arrays.sort(t);
    long over = Arrays.stream(t).filter(x -> x > 2.0).count();
    System.out.printf(
        "  %-15s median %.3f  slowest %.3f  over 2 s: %d%n", name, t[WORKERS / 2], t[15], over);
  }

  private double timed(HttpRequest.Builder request) throws Exception {
    long started = System.nanoTime();
    var response = http.send(request.build(), BodyHandlers.ofByteArray());
    double took = seconds(started);
    if (response.statusCode() >= 300 && response.statusCode() != 404) {
      throw new IllegalStateException(
          response.uri() + " -> " + response.statusCode() + " " + new String(response.body()));
    }
    return took;
  }

  /** Sends each kind of request the benchmark makes to a server of its own, so it is compiled. */
  private void warmClient() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          exchange.sendResponseHeaders(200, 2);
          exchange.getResponseBody().write("{}".getBytes());
          exchange.close();
        });
    server.setExecutor(pool);
    server.start();
    url = "http://127.0.0.1:" + server.getAddress().getPort();
    for (int i = 0; i < 500; i++) {
      timed(post("/x", "{\"a\":1}"));
      timed(entryPut("k"));
      timed(request("/y"));
    }
    server.stop(0);
  }

  private String upload(String descriptor, byte[] content) throws Exception {
    String body =
        "{\"kind\":\"mega-cache\",\"descriptor\":%s,\"sha256\":\"%s\",\"sizeBytes\":%d}"
            .formatted(descriptor, Fixture.sha256(content), content.length);
    String declared = send(post("/v1/namespaces/" + NS + "/artifacts", body));
    send(
        request(uploadUrl(declared))
            .header("Content-Type", "application/octet-stream")
            .PUT(BodyPublishers.ofByteArray(content)));
    Matcher id = Pattern.compile("\"id\":\"([^\"]+)\"").matcher(declared);
    id.find();
    return id.group(1);
  }

  private static String declaration(byte[] content) throws Exception {
    return "{\"kind\":\"fx-graph\",\"key\":\"%s\",\"sha256\":\"%s\",\"sizeBytes\":%d}"
        .formatted("d-" + UUID.randomUUID(), Fixture.sha256(content), content.length);
  }

  private static byte[] fresh() {
    return UUID.randomUUID().toString().repeat(100).getBytes();
  }

  private static String uploadUrl(String declared) {
    Matcher matcher = Pattern.compile("\"uploadUrl\":\"([^\"]+)\"").matcher(declared);
    if (!matcher.find()) {
      throw new IllegalStateException("no uploadUrl in " + declared);
    }
    return matcher.group(1);
  }

  private static String lookupBody(String descriptor) {
    return "{\"kind\":\"mega-cache\",\"descriptor\":" + descriptor + "}";
  }

  private static String entryPath(String key) {
    return "/v1/namespaces/" + NS + "/entries/fx-graph/" + key;
  }

  /** As the Python client sends an entry: new content of 4 KiB with its SHA-256. */
  private HttpRequest.Builder entryPut(String key) throws Exception {
    byte[] content = new byte[4096];
    random.nextBytes(content);
    return request(entryPath(key))
        .header("Content-Type", "application/octet-stream")
        .header("X-Content-SHA256", Fixture.sha256(content))
        .PUT(BodyPublishers.ofByteArray(content));
  }

  private HttpRequest.Builder post(String path, String json) {
    return request(path)
        .header("Content-Type", "application/json")
        .POST(BodyPublishers.ofString(json));
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer " + ServiceAuth.TOKEN);
  }

  private HttpRequest get(String path) {
    return HttpRequest.newBuilder(uri(path)).build();
  }

  private URI uri(String path) {
    return URI.create(url + path);
  }

  private String send(HttpRequest.Builder request) throws Exception {
    var response = http.send(request.build(), BodyHandlers.ofString());
    if (response.statusCode() >= 300) {
      throw new IllegalStateException(
          response.uri() + " -> " + response.statusCode() + " " + response.body());
    }
    return response.body();
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}
