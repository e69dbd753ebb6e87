package dev.pt2cache.system;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Collections;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;

/**
 * A body sent with a {@code Content-Encoding} (gzip, say) is refused ({@code 415
 * unsupported-media-type}, RFC 9110 15.5.16) before it is read: the service decodes none, and took
 * the encoded bytes as the body itself, so an entry {@code PUT} gzipped stored the gzip as the
 * entry that PyTorch then loads, and a JSON body declared gzipped but sent plain was read as JSON.
 * {@code identity}, the coding that changes nothing, is taken, as is any coding named by a request
 * without a body. The refusal says {@code Accept-Encoding: identity}, the one coding taken, as RFC
 * 9110 15.5.16 asks of a 415 for a content coding.
 */
@Component
@Order(FilterOrder.CONTENT_ENCODING)
class ContentEncodingFilter extends RefusingFilter {

  ContentEncodingFilter() {
    super(
        HttpServletResponse.SC_UNSUPPORTED_MEDIA_TYPE,
        "unsupported-media-type",
        "Unsupported media type",
        "the service decodes no Content-Encoding: send the body as it is, without the header");
  }

  @Override
  protected void describeWhatIsTaken(HttpServletResponse response) {
    response.setHeader(HttpHeaders.ACCEPT_ENCODING, "identity");
  }

  /**
   * Not an API call, one without a body (nothing to decode: a client that sets one header for all
   * its calls sends it on a {@code GET} too), or one whose Content-Encoding (a list, RFC 9110 8.4)
   * names no coding.
   */
  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    if (!ApiCalls.isApiCall(request) || !ApiCalls.hasBody(request)) {
      return true;
    }
    for (String value : Collections.list(request.getHeaders(HttpHeaders.CONTENT_ENCODING))) {
      for (String coding : value.split(",")) {
        if (!coding.isBlank() && !coding.strip().equalsIgnoreCase("identity")) {
          return false;
        }
      }
    }
    return true;
  }
}
