package dev.pt2cache.blob;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;

/**
 * A TCP relay in front of the real store that, while cutting, closes a connection once the store
 * has sent {@code cutAfter} bytes on it since the cutting began: the store (or a proxy before it)
 * ending an answer in the middle of its body, as S3Proxy's Jetty does to a download its reader
 * stopped taking for its idle timeout (30 s), or a store restarting.
 */
public final class CuttingRelay extends StoreRelay {

  private final long cutAfter;
  private volatile boolean cutting;

  public CuttingRelay(URI target, long cutAfter) throws IOException {
    super(target, 0);
    this.cutAfter = cutAfter;
    start();
  }

  /** Cuts every connection whose answers pass {@code cutAfter} bytes from now on. */
  public void cut() {
    cutting = true;
  }

  /** Passes every byte again. */
  public void calm() {
    cutting = false;
  }

  @Override
  void relay(Socket client, Socket store) {
    execute(() -> requests(client, store));
    execute(() -> answers(store, client));
  }

  private void requests(Socket client, Socket store) {
    try {
      client.getInputStream().transferTo(store.getOutputStream());
      store.shutdownOutput();
    } catch (IOException e) {
      closeBoth(client, store);
    }
  }

  /** The store's answers, until {@code cutAfter} bytes of them passed while cutting. */
  private void answers(Socket store, Socket client) {
    byte[] chunk = new byte[8192];
    long whileCutting = 0;
    try (InputStream fromStore = store.getInputStream()) {
      OutputStream toClient = client.getOutputStream();
      for (int n = fromStore.read(chunk); n >= 0; n = fromStore.read(chunk)) {
        whileCutting += cutting ? n : 0;
        if (whileCutting > cutAfter) {
          break;
        }
        toClient.write(chunk, 0, n);
      }
    } catch (IOException e) {
      // one side went away: so does the other
    }
    closeBoth(client, store);
  }
}
