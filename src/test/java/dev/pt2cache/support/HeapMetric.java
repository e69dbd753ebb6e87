package dev.pt2cache.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The heap of a running service, read from its own metrics endpoint. */
public final class HeapMetric {

  private static final Pattern VALUE = Pattern.compile("\"value\":([0-9.E]+)");

  private HeapMetric() {}

  /** Bytes of heap in use now; 0 when the service does not answer (a missed sample). */
  public static long used(HttpClient http, String baseUrl) {
    return read(http, baseUrl + "/actuator/metrics/jvm.memory.used?tag=area:heap");
  }

  private static long read(HttpClient http, String url) {
    try {
      String body =
          http.send(HttpRequest.newBuilder(URI.create(url)).build(), BodyHandlers.ofString())
              .body();
      Matcher value = VALUE.matcher(body);
      return value.find() ? (long) Double.parseDouble(value.group(1)) : 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }
}
