package dev.pt2cache.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP relay to PostgreSQL that can go silent: while silent it passes nothing either way and
 * closes nothing, as a stopped host or a route dropped without a reset looks to a client. Once it
 * forwards again, a connection whose one side has gone is closed on the other too, as the first
 * packet after a partition heals meets a reset.
 */
public final class SilentRelay implements AutoCloseable {

  private final ServerSocket server;
  private volatile boolean silent;

  /** Text whose statement silences the relay before it reaches PostgreSQL ({@link #silenceOn}). */
  private volatile String trigger;

  /** The connections silenced one by one, by the port PostgreSQL sees them from. */
  private final Set<Integer> quiet = ConcurrentHashMap.newKeySet();

  public SilentRelay(String host, int port) throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    daemon(
        () -> {
          while (!server.isClosed()) {
            try {
              Socket client = server.accept();
              Socket upstream = new Socket(host, port);
              int seen = upstream.getLocalPort();
              pipe(client, upstream, seen, true);
              pipe(upstream, client, seen, false);
            } catch (IOException closed) {
              return;
            }
          }
        });
  }

  private void pipe(Socket from, Socket to, int seen, boolean toPostgres) {
    daemon(
        () -> {
          byte[] buffer = new byte[8192];
          try (from;
              to) {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            for (int n; (n = in.read(buffer)) >= 0; ) {
              if (toPostgres) {
                triggeredBy(buffer, n);
              }
              while (silent || quiet.contains(seen)) {
                Thread.sleep(50);
              }
              out.write(buffer, 0, n);
              out.flush();
            }
          } catch (IOException | InterruptedException ended) {
            // one side closed: the try closes both
          }
        });
  }

  /** Goes silent when the bytes sent hold the trigger, before they pass on. */
  private void triggeredBy(byte[] buffer, int n) {
    String text = trigger;
    if (text != null && new String(buffer, 0, n, StandardCharsets.UTF_8).contains(text)) {
      trigger = null;
      silent = true;
    }
  }

  private static void daemon(Runnable work) {
    Thread thread = new Thread(work, "silent-relay");
    thread.setDaemon(true);
    thread.start();
  }

  public int port() {
    return server.getLocalPort();
  }

  /** Passes nothing more, either way, until {@link #resume}. */
  public void silence() {
    silent = true;
  }

  /**
   * Passes nothing more on one connection, the one PostgreSQL sees from {@code clientPort} ({@code
   * pg_stat_activity.client_port}), until {@link #resume}: one backend stopped, or one connection's
   * route dropped, while new connections are answered.
   */
  public void silence(int clientPort) {
    quiet.add(clientPort);
  }

  /**
   * Goes silent, as {@link #silence()}, once a client sends a statement (or any message) whose text
   * holds {@code text}, before PostgreSQL receives it: PostgreSQL stops answering at that very
   * statement. Once.
   */
  public void silenceOn(String text) {
    trigger = text;
  }

  public void resume() {
    trigger = null;
    silent = false;
    quiet.clear();
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
