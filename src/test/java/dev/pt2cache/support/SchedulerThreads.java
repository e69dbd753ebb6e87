package dev.pt2cache.support;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.Arrays;

/** The service's scheduler threads ({@code scheduling-}), as a thread dump shows them. */
public final class SchedulerThreads {

  private SchedulerThreads() {}

  /**
   * Scheduler threads that wait (blocked on a monitor, or parked on a lock) with a method of {@code
   * owner} on their stack: not one that reads its socket for PostgreSQL's answer.
   */
  public static long waitingIn(Class<?> owner) {
    ThreadInfo[] threads = ManagementFactory.getThreadMXBean().dumpAllThreads(true, true);
    return Arrays.stream(threads)
        .filter(t -> t.getThreadName().startsWith("scheduling-"))
        .filter(
            t ->
                t.getThreadState() == Thread.State.BLOCKED
                    || t.getThreadState() == Thread.State.WAITING
                    || t.getThreadState() == Thread.State.TIMED_WAITING)
        .filter(
            t ->
                Arrays.stream(t.getStackTrace())
                    .anyMatch(f -> f.getClassName().equals(owner.getName())))
        .count();
  }
}
