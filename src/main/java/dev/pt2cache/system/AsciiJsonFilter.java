package dev.pt2cache.system;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * A JSON body declared {@code charset=us-ascii} is read as UTF-8, which US-ASCII is a subset of and
 * which a JSON body is whatever charset it names (RFC 8259, section 11). {@link JsonCharsetFilter}
 * refused it, and Spring's converter would decode it in US-ASCII, reading any byte above 127 as a
 * replacement character. The request goes on with {@code charset=utf-8} in its {@code
 * Content-Type}, before {@link JsonCharsetFilter} reads it.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class AsciiJsonFilter extends OncePerRequestFilter {

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    String contentType = request.getContentType();
    return !JsonBodyLimitFilter.isJson(contentType)
        || !StandardCharsets.US_ASCII.equals(MediaType.parseMediaType(contentType).getCharset());
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String utf8 =
        new MediaType(MediaType.parseMediaType(request.getContentType()), StandardCharsets.UTF_8)
            .toString();
    chain.doFilter(new Utf8Request(request, utf8), response);
  }

  /** The request with {@code contentType} for its {@code Content-Type}. */
  private static final class Utf8Request extends HttpServletRequestWrapper {

    private final String contentType;

    Utf8Request(HttpServletRequest request, String contentType) {
      super(request);
      this.contentType = contentType;
    }

    @Override
    public String getContentType() {
      return contentType;
    }

    @Override
    public String getHeader(String name) {
      return HttpHeaders.CONTENT_TYPE.equalsIgnoreCase(name) ? contentType : super.getHeader(name);
    }

    /**
     * The request's own values, the first ({@link #getContentType}'s) replaced: a second {@code
     * Content-Type} stays for {@link OneValueHeadersFilter} to refuse.
     */
    @Override
    public Enumeration<String> getHeaders(String name) {
      if (!HttpHeaders.CONTENT_TYPE.equalsIgnoreCase(name)) {
        return super.getHeaders(name);
      }
      List<String> values = Collections.list(super.getHeaders(name));
      values.set(0, contentType);
      return Collections.enumeration(values);
    }
  }
}
