package dev.pt2cache.system;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.springframework.core.annotation.Order;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;

/**
 * A JSON body is UTF-8 (RFC 8259), and one whose {@code Content-Type} names another charset is
 * refused ({@code 415 unsupported-media-type}) before it is read. Spring's converter decoded it in
 * that charset, so the ISO-8859-1 bytes of {@code "café"}, which a UTF-8 reader (a proxy, an audit
 * tool, the client's own copy) refuses or reads otherwise, were taken and recorded as {@code café}.
 * {@code charset=utf-8}, in any case, is taken, as is no charset at all. A request without a body
 * is not refused for the charset its {@code Content-Type} names: a client that sets one header for
 * all its calls sends it on a {@code GET} too, and there is nothing to decode.
 */
@Component
@Order(FilterOrder.JSON_CHARSET)
class JsonCharsetFilter extends RefusingFilter {

  JsonCharsetFilter() {
    super(
        HttpServletResponse.SC_UNSUPPORTED_MEDIA_TYPE,
        "unsupported-media-type",
        "Unsupported media type",
        "JSON bodies are UTF-8: send the Content-Type without a charset, or with charset=utf-8");
  }

  /**
   * The charset the {@code Content-Type} header names, as Spring's converter reads it (not {@code
   * getCharacterEncoding()}, which Spring Boot sets to UTF-8 for every request).
   */
  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    String contentType = request.getContentType();
    if (!JsonBodyLimitFilter.isJson(contentType) || !ApiCalls.hasBody(request)) {
      return true;
    }
    Charset charset = MediaType.parseMediaType(contentType).getCharset();
    return charset == null || StandardCharsets.UTF_8.equals(charset);
  }
}
