package dev.pt2cache.blob;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;

/**
 * A TCP relay in front of the real store that, while stalling, stops reading a request once it has
 * passed on {@code stallAfter} bytes of it: the store as it looks when its disk fills or its
 * process stops mid-upload. The connection stays open and the kernel's buffers fill, so the writer
 * blocks. Its receive buffer is kept small, so that happens after a few hundred kilobytes more.
 */
final class StallingRelay extends StoreRelay {

  private static final int RECEIVE_BUFFER = 64 * 1024;

  private final long stallAfter;
  private volatile boolean stalling = true;

  StallingRelay(URI target, long stallAfter) throws IOException {
    super(target, RECEIVE_BUFFER);
    this.stallAfter = stallAfter;
    start();
  }

  /** From now on, every connection passes every byte. */
  void recover() {
    stalling = false;
  }

  @Override
  void relay(Socket client, Socket store) {
    execute(() -> pass(client, store, true));
    execute(() -> pass(store, client, false));
  }

  private void pass(Socket from, Socket to, boolean request) {
    byte[] buffer = new byte[8192];
    long passed = 0;
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      while (true) {
        while (request && stalling && passed >= stallAfter) {
          Thread.sleep(50); // reading nothing more
        }
        int limit = request && stalling ? (int) Math.min(buffer.length, stallAfter - passed) : 8192;
        int n = in.read(buffer, 0, limit);
        if (n < 0) {
          to.shutdownOutput();
          return;
        }
        out.write(buffer, 0, n);
        passed += n;
      }
    } catch (IOException | InterruptedException e) {
      // the relay is closing, or one side went away: so does the other
      closeBoth(from, to);
    }
  }
}
