package dev.pt2cache.support;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/** The machine's Python (3.9 or newer), for the tests that run the Python client. */
public final class Python {

  private Python() {}

  /** The command that runs it, or null where there is none. */
  public static String command() throws IOException, InterruptedException {
    for (String candidate : new String[] {"python3", "python"}) {
      try {
        Process version =
            new ProcessBuilder(
                    candidate, "-c", "import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)")
                .start();
        if (version.waitFor(30, TimeUnit.SECONDS) && version.exitValue() == 0) {
          return candidate;
        }
      } catch (IOException notThere) {
        // try the next name
      }
    }
    return null;
  }
}
