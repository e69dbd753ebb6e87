package dev.pt2cache.warmup;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;

/**
 * Where the instance reaches itself: the address {@code server.address} binds it to, or loopback
 * when it listens on every interface (unset, {@code 0.0.0.0}, {@code ::}). An instance bound to one
 * interface's address or to {@code ::1} does not listen on {@code 127.0.0.1}.
 */
final class BoundAddress {

  private BoundAddress() {}

  /** The instance's own base URI on {@code port}, an IPv6 literal in brackets. */
  static URI reach(String bound, int port) {
    InetAddress address = parse(bound);
    if (address == null || address.isAnyLocalAddress()) {
      return URI.create("http://127.0.0.1:" + port);
    }
    String host = address.getHostAddress();
    if (address instanceof Inet6Address) {
      // a scope (fe80::1%eth0) is written %25 in a URI (RFC 6874)
      host = "[" + host.replace("%", "%25") + "]";
    }
    return URI.create("http://" + host + ":" + port);
  }

  private static InetAddress parse(String bound) {
    if (bound == null || bound.isBlank()) {
      return null;
    }
    String literal = bound.strip();
    if (literal.startsWith("[") && literal.endsWith("]")) {
      literal = literal.substring(1, literal.length() - 1);
    }
    try {
      return InetAddress.getByName(literal);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("server.address " + bound + " does not resolve", e);
    }
  }
}
