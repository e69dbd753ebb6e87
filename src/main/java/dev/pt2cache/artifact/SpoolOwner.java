package dev.pt2cache.artifact;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The process that wrote a spool file, named in the file's name as its pid and start time: a pid
 * alone may be taken again by the next process, and is, when a container restarts its process as
 * pid 1 over the same {@code /tmp}.
 */
record SpoolOwner(long pid, long startedMillis) {

  private static final Pattern NAMED = Pattern.compile("(\\d+)-(\\d+)-.*");

  /** This process, when the platform tells when it started. */
  static Optional<SpoolOwner> current() {
    ProcessHandle self = ProcessHandle.current();
    return self.info().startInstant().map(at -> new SpoolOwner(self.pid(), at.toEpochMilli()));
  }

  /** The part of a spool file's name, after its prefix, that names its owner. */
  String tag() {
    return pid + "-" + startedMillis + "-";
  }

  /** The owner a spool file's name gives (after the prefix), if it gives one. */
  static Optional<SpoolOwner> of(String nameAfterPrefix) {
    Matcher named = NAMED.matcher(nameAfterPrefix);
    if (!named.matches()) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          new SpoolOwner(Long.parseLong(named.group(1)), Long.parseLong(named.group(2))));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /**
   * Whether this owner has ended: no process has its pid now, or the one that has it started at
   * another time. A process whose start the platform does not tell counts as the owner.
   */
  boolean ended() {
    return ProcessHandle.of(pid)
        .map(
            p ->
                p.info().startInstant().map(at -> at.toEpochMilli() != startedMillis).orElse(false))
        .orElse(true);
  }
}
