package dev.pt2cache.system;

import jakarta.servlet.http.HttpServletRequest;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.springframework.stereotype.Component;

/**
 * Tells the instance's own warm-up requests (warmup/Warmup) from its clients': they carry this
 * process's secret, a random value held only in memory, in {@value #HEADER}, come from the loopback
 * address (or from the address they reached, for an instance bound to one interface's), and are
 * recognised only while the warm-up runs, before readiness says up. The access log, the HTTP
 * metrics, the problem counts and the rate limits leave them out (docs/adr/0034).
 */
@Component
public class WarmupRequests {

  public static final String HEADER = "X-Pt2cache-Warmup";

  private final String secret;
  private volatile boolean open;

  public WarmupRequests() {
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    this.secret = HexFormat.of().formatHex(random);
  }

  /** The header's value, for the warm-up to send; recognised only between open and close. */
  public String secret() {
    return secret;
  }

  public void open() {
    open = true;
  }

  public void close() {
    open = false;
  }

  /** Whether {@code request} is one of the warm-up's, not a client's. */
  public boolean isWarmup(HttpServletRequest request) {
    String given = request.getHeader(HEADER);
    return open
        && given != null
        && MessageDigest.isEqual(
            secret.getBytes(StandardCharsets.US_ASCII), given.getBytes(StandardCharsets.US_ASCII))
        && fromThisHost(request.getRemoteAddr(), request.getLocalAddr());
  }

  /**
   * Loopback, or the very address the connection reached: an instance bound to one interface's
   * address calls itself from that address.
   */
  private static boolean fromThisHost(String peer, String local) {
    try {
      if (peer == null) {
        return false;
      }
      InetAddress from = InetAddress.getByName(peer);
      return from.isLoopbackAddress()
          || (local != null && from.equals(InetAddress.getByName(local)));
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
