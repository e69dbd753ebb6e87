package dev.pt2cache.system;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.core.annotation.Order;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * JSON bodies are parsed whole, so they are bounded (64 KiB: a descriptor is a few hundred bytes):
 * a larger declared length is refused at once with 413, and a chunked body stops being read past
 * the limit (413 as well, through {@link JsonBodyTooLargeException}). Artifact bytes are streamed
 * and are not concerned.
 */
@Component
@Order(FilterOrder.JSON_BODY_LIMIT)
class JsonBodyLimitFilter extends OncePerRequestFilter {

  static final int LIMIT = 64 * 1024;

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    return !isJson(request.getContentType());
  }

  /**
   * Whether a body of this {@code Content-Type} is JSON as Spring's converters read it: {@code
   * application/json} or a {@code +json} suffix, in any case, whatever its parameters. "json"
   * anywhere in the header caught an upload typed {@code application/octet-stream;
   * name="graph.json"}, whose bytes the bound then cut; a type Spring cannot parse is refused
   * before its body is read.
   */
  static boolean isJson(String contentType) {
    if (contentType == null) {
      return false;
    }
    try {
      MediaType type = MediaType.parseMediaType(contentType);
      return "json".equalsIgnoreCase(type.getSubtype())
          || "json".equalsIgnoreCase(type.getSubtypeSuffix());
    } catch (InvalidMediaTypeException unparsable) {
      return false;
    }
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    if (request.getContentLengthLong() > LIMIT) {
      FilterProblems.write(
          response,
          HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE,
          "payload-too-large",
          "Payload too large",
          "JSON bodies are limited to " + LIMIT + " bytes");
      return;
    }
    chain.doFilter(new Limited(request), response);
  }

  private static final class Limited extends HttpServletRequestWrapper {

    Limited(HttpServletRequest request) {
      super(request);
    }

    @Override
    public ServletInputStream getInputStream() throws IOException {
      ServletInputStream in = super.getInputStream();
      return new ServletInputStream() {
        private long read;

        @Override
        public int read() throws IOException {
          int b = in.read();
          if (b >= 0 && ++read > LIMIT) {
            throw new JsonBodyTooLargeException(LIMIT);
          }
          return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
          int n = in.read(buffer, offset, length);
          if (n > 0 && (read += n) > LIMIT) {
            throw new JsonBodyTooLargeException(LIMIT);
          }
          return n;
        }

        @Override
        public boolean isFinished() {
          return in.isFinished();
        }

        @Override
        public boolean isReady() {
          return in.isReady();
        }

        @Override
        public void setReadListener(ReadListener listener) {
          in.setReadListener(listener);
        }
      };
    }
  }
}
