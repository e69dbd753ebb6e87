package dev.pt2cache.system;

import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.stereotype.Component;

/**
 * A client that asks {@code Expect: 100-continue} is told to send its body only once an operation
 * reads it: Tomcat's default told it at once, so it sent a body the service then refused by its
 * headers alone (too large, no token, unknown namespace) (docs/adr/0050).
 */
@Component
class ContinueWhenRead implements WebServerFactoryCustomizer<TomcatServletWebServerFactory> {

  @Override
  public void customize(TomcatServletWebServerFactory factory) {
    factory.addConnectorCustomizers(
        connector -> {
          // Tomcat ignores a property it does not know; a silent no-op must not pass for the fix
          if (!connector.setProperty("continueResponseTiming", "onRead")) {
            throw new IllegalStateException("Tomcat refused continueResponseTiming");
          }
        });
  }
}
