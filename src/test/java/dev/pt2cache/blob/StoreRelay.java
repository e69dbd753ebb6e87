package dev.pt2cache.blob;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay in front of the real store, for tests of how the service's client meets a store that
 * behaves otherwise: each connection to it gets one to the store, and a subclass says how bytes
 * pass between the two ({@link #relay}).
 */
public abstract class StoreRelay implements AutoCloseable {

  private final ServerSocket server;
  private final URI target;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final AtomicInteger accepted = new AtomicInteger();

  /** A relay to {@code target}; {@code receiveBuffer} 0 keeps the system's. */
  StoreRelay(URI target, int receiveBuffer) throws IOException {
    this.target = target;
    this.server = new ServerSocket();
    if (receiveBuffer > 0) {
      server.setReceiveBufferSize(receiveBuffer);
    }
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
  }

  /** Starts taking connections; the last thing a subclass's constructor does. */
  final void start() {
    threads.execute(this::accept);
  }

  /** How many connections the relay has taken so far. */
  int connections() {
    return accepted.get();
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getLocalPort());
  }

  /** Runs a task of a connection's on the relay's threads. */
  final void execute(Runnable task) {
    threads.execute(task);
  }

  /** Passes one connection's bytes each way, on tasks given to {@link #execute}. */
  abstract void relay(Socket client, Socket store);

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket store = new Socket(target.getHost(), target.getPort());
        sockets.add(client);
        sockets.add(store);
        accepted.incrementAndGet();
        relay(client, store);
      } catch (IOException e) {
        return;
      }
    }
  }

  /** Closes both ends of a relayed connection, whichever are still open. */
  static void closeBoth(Socket one, Socket other) {
    for (Socket socket : new Socket[] {one, other}) {
      try {
        socket.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket socket : sockets) {
      socket.close();
    }
    threads.shutdownNow();
  }
}
