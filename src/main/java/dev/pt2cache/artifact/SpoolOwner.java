package dev.pt2cache.artifact;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The process that wrote a spool file, named in the file's name as its pid, its start time and its
 * PID namespace: a pid alone may be taken again by the next process, and is, when a container
 * restarts its process as pid 1 over the same {@code /tmp}; and a pid means something only in the
 * namespace it was given in, where instances in containers share one directory (a host's {@code
 * /tmp} mounted into each): pid 1 is each container's own.
 */
record SpoolOwner(long pid, long startedMillis, long namespace) {

  private static final Pattern NAMED = Pattern.compile("(\\d+)-(\\d+)-(\\d+)-.*");
  private static final Pattern NAMESPACE = Pattern.compile("pid:\\[(\\d+)]");

  /** This process's PID namespace (its inode); 0 where the platform does not tell. */
  static final long NAMESPACE_HERE = namespaceHere();

  /** This process, when the platform tells when it started. */
  static Optional<SpoolOwner> current() {
    ProcessHandle self = ProcessHandle.current();
    return self.info()
        .startInstant()
        .map(at -> new SpoolOwner(self.pid(), at.toEpochMilli(), NAMESPACE_HERE));
  }

  /** The part of a spool file's name, after its prefix, that names its owner. */
  String tag() {
    return pid + "-" + startedMillis + "-" + namespace + "-";
  }

  /** The owner a spool file's name gives (after the prefix), if it gives one. */
  static Optional<SpoolOwner> of(String nameAfterPrefix) {
    Matcher named = NAMED.matcher(nameAfterPrefix);
    if (!named.matches()) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          new SpoolOwner(
              Long.parseLong(named.group(1)),
              Long.parseLong(named.group(2)),
              Long.parseLong(named.group(3))));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** Whether its pid means here what it meant to its writer: the same PID namespace. */
  boolean here() {
    return namespace == NAMESPACE_HERE;
  }

  /**
   * Whether this owner, one {@link #here()}, has ended: no process has its pid now, or the one that
   * has it started at another time. A process whose start the platform does not tell counts as the
   * owner.
   */
  boolean ended() {
    return ProcessHandle.of(pid)
        .map(
            p ->
                p.info().startInstant().map(at -> at.toEpochMilli() != startedMillis).orElse(false))
        .orElse(true);
  }

  private static long namespaceHere() {
    try {
      Matcher link =
          NAMESPACE.matcher(Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString());
      return link.matches() ? Long.parseLong(link.group(1)) : 0;
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return 0;
    }
  }
}
