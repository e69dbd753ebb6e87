package dev.pt2cache.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.EmbeddedInfra;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.Python;
import dev.pt2cache.support.ServiceTest;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A serving node's Python client reading content whose object was damaged in the real S3 server
 * behind the service's back (docs/adr/0028): what the node hands PyTorch, and whether it goes on
 * using the cache for everything else.
 */
class DamagedContentOnTheNodeTest extends ServiceTest {

  @LocalServerPort int port;

  /**
   * An FX graph entry of a few MB (PyTorch's are 6 MB for resnet18) changed in place: the service
   * cuts its answer short, and the node takes that entry as a miss (PyTorch compiles that graph)
   * with one warning, and goes on reading the other entries. Before, the cut answer tripped the
   * client's breaker as if the service were unreachable: every other entry missed for 60 s here (30
   * s by default), so the node compiled everything.
   */
  @Test
  void shouldMissTheDamagedEntryAloneAndReadTheOthers() throws Exception {
    assumeTrue(Python.command() != null, "no python3 (3.9 or newer) on this machine");
    byte[] damaged = entry(2 * 1024 * 1024);
    byte[] good = "{\"graph\": \"good\"}".getBytes(StandardCharsets.UTF_8);
    putEntry("damaged-graph", damaged);
    putEntry("good-graph", good);
    byte[] changed = damaged.clone();
    changed[damaged.length / 2] = 'y';
    putBlobObject(Fixtures.sha256(damaged), changed);

    JsonNode node = node("entries", "damaged-graph", "good-graph");

    assertThat(node.get("damaged").isNull()).as("the damaged entry is a miss: %s", node).isTrue();
    assertThat(node.get("good").asString())
        .as("read after it: %s", node)
        .isEqualTo("{\"graph\": \"good\"}");
    assertThat(node.get("cachesOn").asBoolean()).as("%s", node).isTrue();
    assertThat(node.get("warnings")).as("one warning, naming the entry").hasSize(1);
    assertThat(node.get("warnings").get(0).asString()).contains("damaged-graph");
    assertThat(api.get(path("/entries/fx-graph/damaged-graph")).status())
        .as("the service retired it: the next node compiles and uploads the graph")
        .isEqualTo(404);
    assertThat(putEntry("damaged-graph", damaged).status()).isEqualTo(201);
    assertThat(api.get(path("/entries/fx-graph/damaged-graph")).body()).isEqualTo(damaged);
  }

  /** JSON (what PyTorch's remote caches store and the client checks) of this many bytes. */
  private static byte[] entry(int size) {
    String head = "{\"graph\": \"";
    String tail = "\"}";
    return (head + "x".repeat(size - head.length() - tail.length()) + tail)
        .getBytes(StandardCharsets.UTF_8);
  }

  private ApiResponse putEntry(String key, byte[] bytes) {
    ApiResponse stored =
        api.putBytes(
            path("/entries/fx-graph/" + key),
            bytes,
            "Content-Type",
            "application/octet-stream",
            "X-Content-SHA256",
            Fixtures.sha256(bytes));
    assertThat(stored.status()).as(stored.text()).isIn(200, 201);
    return stored;
  }

  /**
   * A Mega-Cache of 1 MB changed in place: the node's warm start finds the download cut and the
   * artifact retired when it resumes ({@code 410}), compiles, and uploads its own result, which the
   * key takes and which is served whole. No report is needed, nor {@code invalidateAfterReports}.
   */
  @Test
  void shouldCompileAndUploadAgainWhenTheWarmStartsMegaCacheIsDamaged() throws Exception {
    assumeTrue(Python.command() != null, "no python3 (3.9 or newer) on this machine");
    String model = "damaged-" + ns;
    JsonNode first = node("warm", model, "1000000");
    assertThat(first.get("compiled").asInt()).as("%s", first).isEqualTo(1);
    JsonNode stored = first.get("uploaded");
    assertThat(stored.get("state").asString()).as("%s", first).isEqualTo("ready");
    String sha256 = stored.get("sha256").asString();
    byte[] changed = api.get(stored.get("downloadUrl").asString()).body();
    changed[changed.length / 2] ^= 1;
    putBlobObject(sha256, changed);

    JsonNode next = node("warm", model, "1000000");

    assertThat(next.get("hit").asBoolean()).as("%s", next).isFalse();
    assertThat(next.get("loaded").asInt()).as("nothing damaged reached torch: %s", next).isZero();
    assertThat(next.get("compiled").asInt()).as("%s", next).isEqualTo(1);
    assertThat(next.get("warnings").toString())
        .as("the node says it compiles and uploads")
        .contains("went before it was fetched", "this node's result will be uploaded");
    JsonNode again = next.get("uploaded");
    assertThat(again.isNull()).as("its own result uploaded: %s", next).isFalse();
    assertThat(again.get("state").asString()).isEqualTo("ready");
    assertThat(again.get("id").asString()).isNotEqualTo(stored.get("id").asString());
    assertThat(Fixtures.sha256(api.get(again.get("downloadUrl").asString()).body()))
        .isEqualTo(sha256);
  }

  /** What clients/python/tests/damaged_node.py reports of a node, run with these arguments. */
  private JsonNode node(String... arguments) throws Exception {
    File client = new File("clients/python").getAbsoluteFile();
    ProcessBuilder builder =
        new ProcessBuilder(
                Python.command(),
                "tests/damaged_node.py",
                arguments[0],
                "http://127.0.0.1:" + port,
                ns,
                arguments[1],
                arguments[2])
            .directory(client);
    builder.environment().put("PYTHONPATH", client.getPath());
    builder.environment().put("PT2CACHE_TOKEN", EmbeddedInfra.ADMIN_TOKEN);
    Process run = builder.redirectError(ProcessBuilder.Redirect.INHERIT).start();
    run.getOutputStream().close();
    String output = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(run.waitFor(2, TimeUnit.MINUTES)).isTrue();
    assertThat(run.exitValue()).as(output).isZero();
    return JsonMapper.builder().build().readTree(output);
  }
}
