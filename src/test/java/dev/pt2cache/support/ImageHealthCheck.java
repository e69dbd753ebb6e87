package dev.pt2cache.support;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.json.JsonMapper;

/** The Dockerfile's {@code HEALTHCHECK} command, run here with bash as the image runs it. */
public final class ImageHealthCheck {

  private static final Pattern COMMAND =
      Pattern.compile("HEALTHCHECK[^\\n]*\\\\\\n\\s*CMD (\\[.*])");

  private ImageHealthCheck() {}

  /** Its exit status with the container's environment {@code env}: 0 is healthy. */
  public static int run(Map<String, String> env) throws Exception {
    Matcher found = COMMAND.matcher(Files.readString(Path.of("Dockerfile")));
    if (!found.find()) {
      throw new IllegalStateException("the Dockerfile has no HEALTHCHECK CMD in exec form");
    }
    List<?> command = JsonMapper.builder().build().readValue(found.group(1), List.class);
    ProcessBuilder builder =
        new ProcessBuilder(command.stream().map(String::valueOf).toList())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    builder.environment().keySet().removeIf(name -> name.startsWith("MANAGEMENT_SERVER_"));
    builder.environment().remove("SERVER_ADDRESS");
    builder.environment().putAll(env);
    Process check = builder.start();
    if (!check.waitFor(10, TimeUnit.SECONDS)) {
      check.destroyForcibly();
      throw new IllegalStateException("the health check ran past 10 s");
    }
    return check.exitValue();
  }
}
