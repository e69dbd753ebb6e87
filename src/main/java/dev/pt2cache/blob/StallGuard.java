package dev.pt2cache.blob;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.utils.AttributeMap;

/**
 * Ends a store request whose body the store has stopped taking (ADR 0024). A socket write has no
 * timeout: a store that stops reading mid-upload (its disk full, its process stopped, a route gone
 * half-way) leaves the writing thread blocked for good, holding its upload permit, its buffer and
 * the client's connection. The HTTP client's socket timeout bounds only reads, so only the wait for
 * the store's answer once every byte is out.
 *
 * <p>The guard counts a request as stalled when the HTTP client has not come back for more of its
 * body for {@code timeout} and is not waiting for the body's source: the time a slow client takes
 * to send its bytes is spent inside a read, and never counts. A stalled request is aborted, which
 * closes its connection and so ends the blocked write; the caller hears of it as a {@link
 * SdkClientException} that the SDK does not retry, so as the store failing.
 *
 * <p>Progress is seen where the HTTP client reads the body, not on the wire: between the two lie
 * the socket's send buffer (up to 4 MB on Linux by default) and the HTTP client's own. So a store
 * that still reads, but slower than about that much per {@code timeout} (some 70 KB/s at 60 s),
 * counts as stalled too, and so does one that has not drained the buffered tail and answered within
 * {@code timeout} of the last read. Such a store is failing in all but name. The timeout must stay
 * above the time the store takes to answer (the HTTP client's own socket timeout, 30 s, ends that
 * wait first by default).
 */
final class StallGuard implements SdkHttpClient {

  private final SdkHttpClient http;
  private final long timeoutNanos;
  private final Set<Watched> inFlight = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService timer;

  StallGuard(SdkHttpClient http, Duration timeout) {
    this.http = http;
    this.timeoutNanos = timeout.toNanos();
    this.timer = Executors.newSingleThreadScheduledExecutor(StallGuard::timerThread);
    long period = Math.max(10, Math.min(1_000, timeout.toMillis() / 10));
    timer.scheduleAtFixedRate(this::abortStalled, period, period, TimeUnit.MILLISECONDS);
  }

  /**
   * Builds the guard around the client another builder makes, so that the SDK owns and closes it.
   */
  static SdkHttpClient.Builder<?> around(SdkHttpClient.Builder<?> http, Duration timeout) {
    return new Builder(http, timeout);
  }

  private static Thread timerThread(Runnable task) {
    Thread thread = new Thread(task, "store-stall-guard");
    thread.setDaemon(true);
    return thread;
  }

  @Override
  public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
    if (request.contentStreamProvider().isEmpty()) {
      return http.prepareRequest(request);
    }
    Watched watched = new Watched(timeoutNanos);
    ContentStreamProvider body = request.contentStreamProvider().get();
    ExecutableHttpRequest prepared =
        http.prepareRequest(
            HttpExecuteRequest.builder()
                .request(request.httpRequest())
                .contentStreamProvider(() -> watched.track(body.newStream()))
                .metricCollector(request.metricCollector().orElse(null))
                .build());
    return new ExecutableHttpRequest() {
      @Override
      public HttpExecuteResponse call() throws IOException {
        watched.start(prepared);
        inFlight.add(watched);
        try {
          return prepared.call();
        } catch (SocketTimeoutException e) {
          watched.failIfStalled(e);
          throw unanswered(e);
        } catch (IOException e) {
          watched.failIfStalled(e);
          throw e;
        } finally {
          inFlight.remove(watched);
        }
      }

      @Override
      public void abort() {
        prepared.abort();
      }
    };
  }

  /**
   * The store took the body and gave no answer within the HTTP client's socket timeout (only the
   * wait for the answer has one): a failure the SDK does not retry either. A retry sent the body
   * again, which the guard saw as progress, and waited as long again: a stopped store held an
   * upload for four attempts of 30 s, twice the stall timeout (a review on 2026-12-05, ADR 0024).
   */
  private static SdkClientException unanswered(SocketTimeoutException e) {
    SdkClientException unanswered =
        SdkClientException.create(
            "the store gave no answer to the request within the socket timeout, so the request"
                + " was ended");
    unanswered.addSuppressed(e);
    return unanswered;
  }

  private void abortStalled() {
    long now = System.nanoTime();
    for (Watched watched : inFlight) {
      watched.abortIfStalled(now);
    }
  }

  @Override
  public String clientName() {
    return http.clientName();
  }

  @Override
  public void close() {
    timer.shutdownNow();
    http.close();
  }

  private record Builder(SdkHttpClient.Builder<?> http, Duration timeout)
      implements SdkHttpClient.Builder<Builder> {

    @Override
    public SdkHttpClient buildWithDefaults(AttributeMap serviceDefaults) {
      return new StallGuard(http.buildWithDefaults(serviceDefaults), timeout);
    }
  }

  /** One request in flight: when its body was last read, and whether a read is under way. */
  private static final class Watched {

    private final long timeoutNanos;
    private volatile ExecutableHttpRequest request;
    private volatile long progressAt;
    private volatile boolean reading;
    private volatile boolean stalled;

    Watched(long timeoutNanos) {
      this.timeoutNanos = timeoutNanos;
    }

    void start(ExecutableHttpRequest prepared) {
      progressAt = System.nanoTime();
      request = prepared;
    }

    void abortIfStalled(long now) {
      if (!reading && !stalled && now - progressAt > timeoutNanos) {
        stalled = true;
        request.abort();
      }
    }

    /**
     * When the request failed because it was ended here, says so, as a failure the SDK does not
     * retry: a retry would wait as long again on the same store, and the client retries the upload.
     */
    void failIfStalled(IOException e) {
      if (!stalled) {
        return;
      }
      SdkClientException stall =
          SdkClientException.create(
              "the store took no more of the request's bytes for "
                  + Duration.ofNanos(timeoutNanos)
                  + " (stopped reading, or reads too slowly to drain the socket's buffer), so the"
                  + " request was ended");
      stall.addSuppressed(e);
      throw stall;
    }

    InputStream track(InputStream body) {
      return new FilterInputStream(body) {
        @Override
        public int read() throws IOException {
          reading = true;
          try {
            return super.read();
          } finally {
            progressed();
          }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          reading = true;
          try {
            return super.read(b, off, len);
          } finally {
            progressed();
          }
        }
      };
    }

    private void progressed() {
      progressAt = System.nanoTime();
      reading = false;
    }
  }
}
