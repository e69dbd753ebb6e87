package dev.pt2cache.system;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * API answers leave in one write, with a {@code Content-Length}: Spring MVC flushes after writing
 * each body, which commits the response early, so Tomcat sent every small JSON answer chunked and
 * its last chunk in a second write (a tenth of a lookup's CPU went to writing answers). Flushes
 * made while the request is handled are deferred to its end; Tomcat then finds the whole body in
 * its buffer and sets the length itself. Large bodies still stream: Tomcat writes whenever its
 * buffer fills, flush or no flush.
 */
@Component
@Order(FilterOrder.ONE_WRITE_RESPONSE)
class OneWriteResponseFilter extends OncePerRequestFilter {

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    return !ApiCalls.isApiCall(request);
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    chain.doFilter(request, new DeferredFlushes(response));
  }

  private static final class DeferredFlushes extends HttpServletResponseWrapper {

    private ServletOutputStream stream;

    DeferredFlushes(HttpServletResponse response) {
      super(response);
    }

    @Override
    public ServletOutputStream getOutputStream() throws IOException {
      if (stream == null) {
        stream = new Unflushed(super.getOutputStream());
      }
      return stream;
    }

    @Override
    public void flushBuffer() {
      // at the end of the request
    }
  }

  private static final class Unflushed extends ServletOutputStream {

    private final ServletOutputStream out;

    Unflushed(ServletOutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
      out.write(bytes, offset, length);
    }

    @Override
    public void flush() {
      // at the end of the request
    }

    @Override
    public void close() throws IOException {
      out.close();
    }

    @Override
    public boolean isReady() {
      return out.isReady();
    }

    @Override
    public void setWriteListener(WriteListener listener) {
      out.setWriteListener(listener);
    }
  }
}
