package dev.pt2cache.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pt2cache.support.EmbeddedInfra;
import dev.pt2cache.support.Python;
import dev.pt2cache.support.ServiceTest;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The Python client's own tests (clients/python/tests), run against this very service on real
 * PostgreSQL and S3: no fake server. Torch-dependent tests run where torch is installed.
 */
class PythonClientTest extends ServiceTest {

  /** What unittest -v prints for a skipped test: its reason. */
  private static final Pattern SKIPPED = Pattern.compile(" \\.\\.\\. skipped '([^']*)'");

  /** The reason of the tests that need torch (clients/python/tests/support.py). */
  private static final String TORCH_MISSING = "torch is not installed here";

  /** The reason of the packaging tests where no setuptools can read pyproject.toml. */
  private static final String SETUPTOOLS_MISSING = "setuptools 61 or newer is not installed here";

  @LocalServerPort int port;

  @Test
  void shouldPassThePythonClientTestsAgainstTheRealService() throws Exception {
    assumeTrue(Python.command() != null, "no python3 (3.9 or newer) on this machine");
    ProcessBuilder builder =
        new ProcessBuilder(Python.command(), "-m", "unittest", "discover", "-s", "tests", "-v")
            .directory(new File("clients/python"))
            .redirectErrorStream(true);
    builder.environment().put("PT2CACHE_TEST_URL", "http://127.0.0.1:" + port);
    builder.environment().put("PT2CACHE_TOKEN", EmbeddedInfra.ADMIN_TOKEN);
    builder.environment().put("PYTHONUNBUFFERED", "1");
    Process tests = builder.start();
    tests.getOutputStream().close();
    String output = new String(tests.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(tests.waitFor(5, TimeUnit.MINUTES)).isTrue();
    System.out.println(output);
    assertThat(tests.exitValue()).as(output).isZero();
    assertThat(output).contains("OK");
    // a run whose service-backed tests all skipped (PT2CACHE_TEST_URL not read, say) ends OK too
    assertThat(SKIPPED.matcher(output).results().map(skip -> skip.group(1)).distinct())
        .as("why tests were skipped: only torch or a recent setuptools may be missing here")
        .allMatch(reason -> reason.equals(TORCH_MISSING) || reason.equals(SETUPTOOLS_MISSING));
  }
}
