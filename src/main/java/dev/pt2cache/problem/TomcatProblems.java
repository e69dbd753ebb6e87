package dev.pt2cache.problem;

import java.io.IOException;
import java.io.Writer;
import java.util.Locale;
import org.apache.catalina.Host;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.tomcat.util.buf.EncodedSolidusHandling;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * Requests that Tomcat turns away before Spring sees them (an undecodable URI, say) answer in
 * problem+json too, and those it would answer with a 5xx for the client's own mistake (an unknown
 * transfer coding, an HTTP version other than 1.x) with a 400. A body that stopped arriving for
 * longer than the connector waits between its bytes ({@code server.tomcat.connection-timeout}) is
 * Tomcat's {@code 408} too, set while the service was reading it, and says so. An encoded slash
 * ({@code %2F}) is passed through to Spring, which rejects it as a character no key or namespace
 * may hold.
 */
@Component
class TomcatProblems implements WebServerFactoryCustomizer<TomcatServletWebServerFactory> {

  @Override
  public void customize(TomcatServletWebServerFactory factory) {
    factory.addConnectorCustomizers(
        connector ->
            connector.setEncodedSolidusHandling(EncodedSolidusHandling.PASS_THROUGH.getValue()));
    factory.addContextCustomizers(
        context -> {
          Host host = (Host) context.getParent();
          if (host instanceof StandardHost standard) {
            standard.setErrorReportValveClass(ProblemReportValve.class.getName());
          }
        });
  }

  /** Tomcat's error report, as an RFC 9457 problem instead of an HTML page. */
  public static class ProblemReportValve extends ErrorReportValve {

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
      int rejected = response.getStatus();
      if (rejected < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
        return;
      }
      String mistake = clientMistake(request.getMethod(), rejected);
      int status = mistake == null ? rejected : HttpStatus.BAD_REQUEST.value();
      String detail =
          rejected == HttpStatus.REQUEST_TIMEOUT.value()
              ? stalled(request.getConnector().getProperty("connectionTimeout"))
              : mistake;
      response.setStatus(status);
      HttpStatus known = HttpStatus.resolve(status);
      ProblemType type = ProblemType.forStatus(status);
      String title = known == null ? type.title() : known.getReasonPhrase();
      try {
        response.setContentType("application/problem+json");
        response.setCharacterEncoding("UTF-8");
        Writer writer = response.getReporter();
        if (writer != null) {
          writer.write(
              String.format(
                  Locale.ROOT,
                  "{\"type\":\"%s\",\"title\":\"%s\",\"status\":%d,\"detail\":\"%s\"}",
                  type.uri(),
                  title,
                  status,
                  detail == null
                      ? "the request was rejected before it reached the service"
                      : detail));
        }
      } catch (IOException | IllegalStateException e) {
        // the client is gone or the response cannot take a body; nothing more to tell
      }
    }

    /**
     * A body that stopped arriving: Tomcat's read of it timed out and it answers {@code 408}
     * itself, whatever the service would have said. Nothing of the body is kept: an upload's
     * reservation stays as it was, an entry is not written.
     */
    static String stalled(Object timeoutMillis) {
      String wait = "";
      if (timeoutMillis instanceof Number ms) {
        long millis = ms.longValue();
        wait = millis % 1000 == 0 ? " (" + millis / 1000 + " s)" : " (" + millis + " ms)";
      }
      return "the request body stopped arriving for longer than the service waits between its"
          + " bytes"
          + wait
          + "; nothing of it was kept: send it again";
    }

    /**
     * What Tomcat answers with a 5xx although the client sent what no server takes: a transfer
     * coding it does not implement (501), a CONNECT to an origin server (501), an HTTP version
     * other than 1.x (505). Each is the client's mistake, a 400 that says what to send instead;
     * answered as {@code internal-error} it read as a failure of the service. Null for any other
     * status, which stands.
     */
    static String clientMistake(String method, int status) {
      if (status == HttpStatus.NOT_IMPLEMENTED.value()) {
        return "CONNECT".equals(method)
            ? "this service is no proxy: CONNECT is not a method of its API"
            : "the Transfer-Encoding is not one this service reads: send the body with"
                + " Content-Length, or chunked";
      }
      if (status == HttpStatus.HTTP_VERSION_NOT_SUPPORTED.value()) {
        return "the HTTP version is not supported: send HTTP/1.1";
      }
      return null;
    }
  }
}
