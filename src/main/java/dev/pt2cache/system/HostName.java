package dev.pt2cache.system;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * This machine's name (a pod's name in Kubernetes), which names the instance in its log lines and
 * in the housekeeping runs it records, so that one can be found from the other.
 */
public final class HostName {

  private HostName() {}

  public static String get() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "unknown-host";
    }
  }
}
