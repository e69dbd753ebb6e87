package dev.pt2cache.blob;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A relay in front of the real store that never answers {@code 100 Continue}, as a store or proxy
 * that does not support it (Cloudflare R2 documents so): it takes {@code Expect: 100-continue} off
 * each request before passing it on, so the store behind sends no {@code 100} either, and counts
 * the requests that carried it. Requests are read by their {@code Content-Length}, as the service's
 * client sends them.
 */
final class SilentContinueRelay extends StoreRelay {

  private final AtomicInteger expecting = new AtomicInteger();

  SilentContinueRelay(URI target) throws IOException {
    super(target, 0);
    start();
  }

  /** How many requests came with {@code Expect: 100-continue}. */
  int expectingContinue() {
    return expecting.get();
  }

  @Override
  void relay(Socket client, Socket store) {
    execute(() -> requests(client, store));
    execute(() -> responses(store, client));
  }

  private void requests(Socket client, Socket store) {
    try (InputStream in = client.getInputStream();
        OutputStream out = store.getOutputStream()) {
      String head;
      while ((head = head(in)) != null) {
        long length = 0;
        StringBuilder kept = new StringBuilder();
        for (String line : head.split("\r\n")) {
          String lower = line.toLowerCase(Locale.ROOT);
          if (lower.startsWith("expect:")) {
            expecting.incrementAndGet();
            continue;
          }
          if (lower.startsWith("content-length:")) {
            length = Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
          }
          kept.append(line).append("\r\n");
        }
        out.write(kept.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
        copy(in, out, length);
      }
    } catch (IOException e) {
      // one side went away
    }
  }

  /** A request's head, up to its blank line; null at the end of the connection. */
  private static String head(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    int b;
    while ((b = in.read()) != -1) {
      head.write(b);
      matched = (b == '\r' || b == '\n') && "\r\n\r\n".charAt(matched) == b ? matched + 1 : 0;
      if (matched == 4) {
        String text = head.toString(StandardCharsets.ISO_8859_1);
        return text.substring(0, text.length() - 4);
      }
    }
    return null;
  }

  private static void responses(Socket store, Socket client) {
    try (InputStream in = store.getInputStream();
        OutputStream out = client.getOutputStream()) {
      in.transferTo(out);
    } catch (IOException e) {
      // one side went away
    }
  }

  /** Passes on exactly a body's bytes. */
  private static void copy(InputStream in, OutputStream out, long length) throws IOException {
    byte[] buffer = new byte[8192];
    long left = length;
    while (left > 0) {
      int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
      if (n < 0) {
        throw new IOException("the request ended before its body");
      }
      out.write(buffer, 0, n);
      left -= n;
    }
    out.flush();
  }
}
