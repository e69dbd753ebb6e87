package dev.pt2cache.support;

import java.util.List;
import org.springframework.boot.test.system.CapturedOutput;

/** What an operator reads first of an instance that did not start: its log's last lines. */
public final class LastLogLines {

  private LastLogLines() {}

  /** The last 20 lines written. */
  public static String of(CapturedOutput output) {
    List<String> lines = output.getAll().lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
  }
}
