package dev.pt2cache.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** HTTP load from wrk (Debian's package), with a Lua script for the POST body. */
final class Wrk {

  private static final Pattern RATE = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
  private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");

  private Wrk() {}

  static Result post(String url, String json, int connections, int seconds)
      throws IOException, InterruptedException {
    Path script = Files.createTempFile("bench-", ".lua");
    Files.writeString(
        script,
        "wrk.method = \"POST\"\n"
            + "wrk.headers[\"Content-Type\"] = \"application/json\"\n"
            + "wrk.headers[\"Authorization\"] = \"Bearer "
            + ServiceAuth.TOKEN
            + "\"\n"
            + "wrk.body = [["
            + json
            + "]]\n");
    String output =
        Processes.run(
            "wrk",
            "-t" + LoadThreads.forConnections(connections),
            "-c" + connections,
            "-d" + seconds + "s",
            "--latency",
            "-s",
            script.toString(),
            url);
    Files.delete(script);
    Matcher errors = NON_2XX.matcher(output);
    if (errors.find()) {
      throw new IllegalStateException("wrk saw " + errors.group(1) + " errors:\n" + output);
    }
    return new Result(number(RATE, output), latency(output, "50%"), latency(output, "99%"));
  }

  private static double number(Pattern pattern, String output) {
    Matcher m = pattern.matcher(output);
    if (!m.find()) {
      throw new IllegalStateException("unexpected wrk output:\n" + output);
    }
    return Double.parseDouble(m.group(1));
  }

  /** A line of wrk's latency distribution, such as {@code 99% 12.34ms}, in milliseconds. */
  private static double latency(String output, String percentile) {
    Matcher m =
        Pattern.compile("\\s" + Pattern.quote(percentile) + "\\s+([0-9.]+)(us|ms|s)")
            .matcher(output);
    if (!m.find()) {
      throw new IllegalStateException("no " + percentile + " in wrk output:\n" + output);
    }
    double value = Double.parseDouble(m.group(1));
    return switch (m.group(2)) {
      case "us" -> value / 1000;
      case "s" -> value * 1000;
      default -> value;
    };
  }
}
