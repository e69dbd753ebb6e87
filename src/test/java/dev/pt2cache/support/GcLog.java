package dev.pt2cache.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a service JVM's collections left of its heap, read from the log that {@link #option} asks it
 * to write. The heap used between collections holds garbage too: under sixteen multipart uploads in
 * {@code -Xmx384m} it reached 372 MB, while G1's one full collection left 219 MB and class
 * histograms (each a full collection) at most 253 MB. Dead 8 MB part buffers are humongous objects,
 * which a young collection mostly leaves for the next marking cycle or full collection; running out
 * of memory is about what a full collection cannot free.
 *
 * @param mostAfterAnyMb the most heap a young or full collection left in use, garbage it did not
 *     reach included
 * @param mostAfterFullMb the most heap a full collection left in use: live data; 0 with none
 * @param fullCollections how many full collections there were
 */
public record GcLog(long mostAfterAnyMb, long mostAfterFullMb, int fullCollections) {

  /**
   * {@code GC(55) Pause Full (G1 Compaction Pause) 329M->219M(384M) 1187.189ms}: 219 kept. Young
   * (mixed included) and full collections only: a concurrent cycle's remark and cleanup pauses free
   * little and show the heap in use as it stands, garbage and all.
   */
  private static final Pattern PAUSE =
      Pattern.compile("Pause (Young|Full)\\b.*? (\\d+)M->(\\d+)M\\(\\d+M\\)");

  /** The JVM option that writes the collections' log to {@code log}. */
  public static String option(Path log) {
    return "-Xlog:gc:file=" + log;
  }

  /** The collections in {@code log}. */
  public static GcLog read(Path log) throws IOException {
    return read(log, 0);
  }

  /** The collections in {@code log} after its first {@code skipLines} lines. */
  public static GcLog read(Path log, long skipLines) throws IOException {
    long any = 0;
    long full = 0;
    int fulls = 0;
    List<String> lines = Files.readAllLines(log);
    for (String line : lines.subList((int) Math.min(skipLines, lines.size()), lines.size())) {
      Matcher pause = PAUSE.matcher(line);
      if (pause.find()) {
        long after = Long.parseLong(pause.group(3));
        any = Math.max(any, after);
        if (pause.group(1).equals("Full")) {
          full = Math.max(full, after);
          fulls++;
        }
      }
    }
    return new GcLog(any, full, fulls);
  }
}
