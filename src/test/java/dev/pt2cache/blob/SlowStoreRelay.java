package dev.pt2cache.blob;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A relay in front of the real store that makes it answer as a production store does now and then:
 * late (every request and every answer waits a little, some a pause of seconds), and, where its
 * {@link Weather} says so, not at all (the connection cut before the request reaches the store or
 * after the store did it, before its answer is passed on) or {@code 503 SlowDown}, S3's answer to a
 * request rate it will not take. A request is told apart from its body as the first bytes a client
 * sends after the last answer began, which holds for an HTTP/1.1 client that sends no {@code
 * Expect: 100-continue} (the service's default) and does not pipeline. Until {@link #weather} is
 * set it passes every byte as it comes, so that instances start on it as on the store.
 */
public final class SlowStoreRelay extends StoreRelay {

  /**
   * How the store misbehaves: each request waits {@code latencyMs} (a range), {@code pausePercent}
   * of them a pause of {@code pauseMs} (a range) on top, and {@code cutPercent} and {@code
   * slowDownPercent} of them lose their connection or are answered {@code 503 SlowDown}.
   */
  public record Weather(
      int[] latencyMs, int pausePercent, int[] pauseMs, int cutPercent, int slowDownPercent) {

    /** The store as it is, answering at once. */
    public static final Weather CALM = new Weather(new int[] {0, 0}, 0, new int[] {0, 0}, 0, 0);

    /** Late: tens of milliseconds to every request, a pause of 1-3 s to one in 10. */
    public static Weather slow() {
      return new Weather(new int[] {20, 200}, 10, new int[] {1000, 3000}, 0, 0);
    }

    /** Late, and one request in 50 cut and one in 50 answered {@code 503 SlowDown}. */
    public static Weather flaky() {
      return new Weather(new int[] {20, 200}, 10, new int[] {1000, 3000}, 2, 2);
    }

    private static int draw(int[] range) {
      return range[1] <= range[0]
          ? range[0]
          : ThreadLocalRandom.current().nextInt(range[0], range[1] + 1);
    }

    private static boolean chance(int percent) {
      return percent > 0 && ThreadLocalRandom.current().nextInt(100) < percent;
    }
  }

  private static final byte[] SLOW_DOWN_BODY =
      ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code>"
              + "<Message>Please reduce your request rate.</Message>"
              + "<RequestId>relay</RequestId></Error>")
          .getBytes(StandardCharsets.UTF_8);

  private volatile Weather weather = Weather.CALM;
  private volatile CountDownLatch held = new CountDownLatch(0);
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong puts = new AtomicLong();
  private final AtomicInteger paused = new AtomicInteger();
  private final AtomicInteger cut = new AtomicInteger();
  private final AtomicInteger slowedDown = new AtomicInteger();

  public SlowStoreRelay(URI target) throws IOException {
    super(target, 0);
    start();
  }

  /** From now on, requests meet this weather (those already waiting keep theirs). */
  public void weather(Weather weather) {
    this.weather = weather;
  }

  /**
   * From now on, each request waits at the relay until {@link #release}: a store that takes a
   * request and answers it when a test says, so that calls in flight are met in a chosen order.
   */
  public void hold() {
    held = new CountDownLatch(1);
  }

  /** Lets every request held go on, and those that come. */
  public void release() {
    held.countDown();
  }

  /** How many {@code PUT} requests (objects and parts) reached the relay so far, held ones too. */
  public long puts() {
    return puts.get();
  }

  /** What it did so far: requests, pauses, cuts and SlowDowns. */
  public String tally() {
    return "%d requests, %d paused, %d cut, %d answered 503 SlowDown"
        .formatted(requests.get(), paused.get(), cut.get(), slowedDown.get());
  }

  @Override
  void relay(Socket client, Socket store) {
    // 0: a request may begin with the next bytes from the client; 1: its bytes are passing; 2: its
    // answer is passing
    AtomicInteger phase = new AtomicInteger();
    execute(() -> requests(client, store, phase));
    execute(() -> answers(store, client, phase));
  }

  private void requests(Socket client, Socket store, AtomicInteger phase) {
    byte[] buffer = new byte[8192];
    try {
      InputStream in = client.getInputStream();
      OutputStream out = store.getOutputStream();
      int n;
      while ((n = in.read(buffer)) >= 0) {
        if (phase.getAndSet(1) != 1) {
          requests.incrementAndGet();
          String method = new String(buffer, 0, Math.min(n, 5), StandardCharsets.ISO_8859_1);
          if (method.startsWith("PUT ")) {
            puts.incrementAndGet();
          }
          Weather now = weather;
          if (Weather.chance(now.slowDownPercent())) {
            slowDown(client, store, method.equals("HEAD "));
            return;
          }
          if (Weather.chance(now.cutPercent())) {
            cut(client, store);
            return;
          }
          waitFor(now);
        }
        out.write(buffer, 0, n);
      }
      store.shutdownOutput();
    } catch (IOException | InterruptedException e) {
      closeBoth(client, store);
    }
  }

  private void answers(Socket store, Socket client, AtomicInteger phase) {
    byte[] buffer = new byte[8192];
    try {
      InputStream in = store.getInputStream();
      OutputStream out = client.getOutputStream();
      int n;
      while ((n = in.read(buffer)) >= 0) {
        if (phase.getAndSet(2) == 1) {
          Weather now = weather;
          // the store did what was asked; its answer is lost
          if (Weather.chance(now.cutPercent())) {
            cut(client, store);
            return;
          }
          Thread.sleep(Weather.draw(now.latencyMs()) / 2);
        }
        out.write(buffer, 0, n);
      }
      client.shutdownOutput();
    } catch (IOException | InterruptedException e) {
      closeBoth(client, store);
    }
  }

  private void waitFor(Weather now) throws InterruptedException {
    held.await();
    long wait = Weather.draw(now.latencyMs()) / 2;
    if (Weather.chance(now.pausePercent())) {
      paused.incrementAndGet();
      wait += Weather.draw(now.pauseMs());
    }
    Thread.sleep(wait);
  }

  /** Answers the request SlowDown, as S3 does, and closes the connection once it was read. */
  private void slowDown(Socket client, Socket store, boolean head) throws IOException {
    slowedDown.incrementAndGet();
    String status =
        "HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: %d\r\n"
                .formatted(SLOW_DOWN_BODY.length)
            + "Connection: close\r\n\r\n";
    OutputStream out = client.getOutputStream();
    out.write(status.getBytes(StandardCharsets.ISO_8859_1));
    if (!head) {
      out.write(SLOW_DOWN_BODY);
    }
    out.flush();
    client.shutdownOutput();
    // take the rest of the request, so that the client reads the answer rather than a reset
    client.setSoTimeout(1000);
    try {
      client.getInputStream().transferTo(OutputStream.nullOutputStream());
    } catch (IOException timedOut) {
      // closing anyway
    }
    closeBoth(client, store);
  }

  private void cut(Socket client, Socket store) {
    cut.incrementAndGet();
    closeBoth(client, store);
  }
}
