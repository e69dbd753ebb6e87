package dev.pt2cache.support;

import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A thread for each task a test runs beside its own, stopped after each test: for tests whose tasks
 * must be in flight together (one waits for a lock, a latch or an answer while the next is sent).
 * CompletableFuture's default executor gives no such promise: on Java 17 with 2 cores it made a
 * thread per task, from Java 23 it is the common pool, one worker on 2 cores, where the second task
 * queues behind the first and runs only if the first blocks in a wait the pool compensates for (a
 * {@code CompletableFuture.get}, as HttpClient's send does; not a latch, a JDBC statement or a
 * lock). Register with {@code @RegisterExtension final TaskThreads threads = new TaskThreads();}
 * and pass it to {@code supplyAsync}/{@code runAsync}.
 */
public final class TaskThreads implements Executor, AfterEachCallback {

  private ExecutorService threads;

  @Override
  public synchronized void execute(Runnable task) {
    if (threads == null) {
      threads = Executors.newCachedThreadPool();
    }
    threads.execute(task);
  }

  /** Stops the test's tasks still running (a test that failed before it let them go). */
  @Override
  public synchronized void afterEach(ExtensionContext context) {
    if (threads != null) {
      threads.shutdownNow();
      threads = null;
    }
  }
}
