package dev.pt2cache.artifact;

import dev.pt2cache.blob.ByteRange;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import org.springframework.core.io.InputStreamResource;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/**
 * Streamed content responses: 200, 206 or 304, with the content's digest in ETag and Repr-Digest,
 * and the bytes named for whoever saves them ({@code Content-Disposition}).
 */
public final class ContentResponses {

  private ContentResponses() {}

  /** The answer to a GET of the content, which a client saving it saves as {@code fileName}. */
  public static ResponseEntity<InputStreamResource> of(Download download, String fileName) {
    Artifact artifact = download.artifact();
    HttpHeaders headers = headers(artifact);
    if (download.notModified()) {
      return ResponseEntity.status(HttpStatus.NOT_MODIFIED).headers(headers).build();
    }
    headers.setContentDisposition(attachment(fileName));
    headers.setContentType(MediaType.APPLICATION_OCTET_STREAM);
    headers.setContentLength(download.content().length());
    HttpStatus status = HttpStatus.OK;
    ByteRange range = download.range();
    if (range != null) {
      status = HttpStatus.PARTIAL_CONTENT;
      headers.set(
          HttpHeaders.CONTENT_RANGE,
          String.format(
              Locale.ROOT, "bytes %d-%d/%d", range.first(), range.last(), artifact.sizeBytes()));
    }
    return ResponseEntity.status(status)
        .headers(headers)
        .body(new InputStreamResource(download.content().stream()));
  }

  /**
   * A HEAD's answer: what a GET would send, without the content; {@code 304} where the GET would
   * answer it (RFC 9110 13.1.2 asks the same of both).
   */
  public static <T> ResponseEntity<T> described(
      Artifact artifact, String ifNoneMatch, String fileName) {
    if (ContentRequests.notModified(ifNoneMatch, artifact.sha256())) {
      return ResponseEntity.status(HttpStatus.NOT_MODIFIED).headers(headers(artifact)).build();
    }
    HttpHeaders headers = headers(artifact);
    headers.setContentDisposition(attachment(fileName));
    return ResponseEntity.ok().headers(headers).contentLength(artifact.sizeBytes()).build();
  }

  /**
   * Save as {@code fileName} (RFC 6266): quoted, with quotes and backslashes escaped and CR and LF
   * dropped, and again in {@code filename*} as UTF-8 (RFC 8187) for a name outside ASCII. Set by
   * the service, it also keeps Spring MVC from naming the bytes {@code f.txt}, as its guard against
   * reflected downloads does where the path ends in an extension it does not know ({@code
   * model.bin}).
   */
  static ContentDisposition attachment(String fileName) {
    return ContentDisposition.attachment().filename(fileName, StandardCharsets.UTF_8).build();
  }

  /**
   * Whether a request that reached a GET handler is a HEAD. Spring MVC hands a HEAD to the GET
   * mapping when the HEAD mapping does not produce what it accepts ({@code Accept:
   * application/octet-stream}); served as a GET, it would read the whole content from the store and
   * count a hit.
   */
  public static boolean isHead(HttpServletRequest request) {
    return HttpMethod.HEAD.matches(request.getMethod());
  }

  /** The headers that describe an artifact's content, for GET and HEAD alike. */
  public static HttpHeaders headers(Artifact artifact) {
    HttpHeaders headers = new HttpHeaders();
    headers.setETag("\"" + artifact.sha256() + "\"");
    headers.set(HttpHeaders.ACCEPT_RANGES, "bytes");
    headers.set(
        "Repr-Digest",
        "sha-256=:"
            + Base64.getEncoder().encodeToString(HexFormat.of().parseHex(artifact.sha256()))
            + ":");
    return headers;
  }
}
