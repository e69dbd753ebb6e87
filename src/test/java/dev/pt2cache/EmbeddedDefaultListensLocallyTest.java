package dev.pt2cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pt2cache.support.EmbeddedInfra;
import dev.pt2cache.support.ServiceJvm;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command runs on an admin token that the README publishes ({@value
 * EmbeddedInfra#ADMIN_TOKEN}): it listens on this host's loopback only, so that nobody on the
 * network is admin of a developer's cache. Before, it listened on every interface, and a
 * neighbour's {@code curl} with that token made and deleted what it liked.
 */
class EmbeddedDefaultListensLocallyTest {

  @Test
  void shouldAnswerOnLoopbackOnlyWhileItRunsOnThePublishedToken(@TempDir Path data)
      throws Exception {
    Optional<InetAddress> outside = nonLoopbackAddress();
    assumeTrue(outside.isPresent(), "this host has no address but loopback");
    try (ServiceJvm service = ServiceJvm.embeddedDefault(data, ServiceJvm.QUICK_START, Map.of())) {
      assertThatThrownBy(() -> connect(outside.get(), service.port()))
          .as("a connection to %s:%d", outside.get().getHostAddress(), service.port())
          .isInstanceOf(ConnectException.class);
      connect(InetAddress.getLoopbackAddress(), service.port());
    }
  }

  /**
   * An admin token in the environment opens it up only when it is not one this repository
   * publishes: the README's own, exported for {@code curl} in the same shell, or the compose
   * file's, listened on every interface before, and anyone on the network was admin. An actuator on
   * a port of its own ({@code MANAGEMENT_SERVER_PORT}, docs/operations.md) stays on loopback too:
   * it listened on every interface, its metrics naming every namespace and token.
   */
  @Test
  void shouldStayOnLoopbackWhenTheEnvironmentGivesAPublishedAdminToken(@TempDir Path data)
      throws Exception {
    Optional<InetAddress> outside = nonLoopbackAddress();
    assumeTrue(outside.isPresent(), "this host has no address but loopback");
    int actuator = freePort();
    try (ServiceJvm service =
        ServiceJvm.embeddedDefault(
            data,
            ServiceJvm.QUICK_START,
            Map.of(
                "PT2CACHE_ADMIN_TOKEN",
                "pt2cache-compose-admin-token ",
                "MANAGEMENT_SERVER_PORT",
                String.valueOf(actuator)))) {
      for (int port : new int[] {service.port(), actuator}) {
        assertThatThrownBy(() -> connect(outside.get(), port))
            .as("a connection to %s:%d", outside.get().getHostAddress(), port)
            .isInstanceOf(ConnectException.class);
        connect(InetAddress.getLoopbackAddress(), port);
      }
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static void connect(InetAddress address, int port) throws Exception {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(address, port), 2000);
      assertThat(socket.isConnected()).isTrue();
    }
  }

  private static Optional<InetAddress> nonLoopbackAddress() throws Exception {
    return NetworkInterface.networkInterfaces()
        .filter(
            nic -> {
              try {
                return nic.isUp() && !nic.isLoopback();
              } catch (java.net.SocketException e) {
                return false;
              }
            })
        .flatMap(NetworkInterface::inetAddresses)
        .filter(address -> address instanceof Inet4Address)
        .findFirst();
  }
}
