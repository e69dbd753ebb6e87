package dev.pt2cache.system;

import org.springframework.core.Ordered;

/**
 * The order of the API's request filters, in one place. Spring runs filters of one {@code @Order}
 * in the order it found their classes, which a build's class path decides, not the code; where two
 * refusing filters tied, a request with two faults got whichever problem the scan put first (two
 * {@code Content-Type} headers and a 70 KB JSON body: {@code 413} or {@code 400} by which header
 * came first). At {@link Ordered#HIGHEST_PRECEDENCE}: the access line ({@link RequestLogFilter}),
 * the answer wait and a US-ASCII JSON body read as UTF-8, none of which refuses; at {@code + 1}
 * Spring Boot's observation filter and the abandoned responses' log. Then, one each:
 */
final class FilterOrder {

  private FilterOrder() {}

  /** A header of one value given twice, first: which value a request meant decides the rest. */
  static final int ONE_VALUE_HEADERS = Ordered.HIGHEST_PRECEDENCE + 2;

  static final int ACCEPT_HEADER = Ordered.HIGHEST_PRECEDENCE + 3;

  static final int CONTENT_ENCODING = Ordered.HIGHEST_PRECEDENCE + 4;

  static final int JSON_BODY_LIMIT = Ordered.HIGHEST_PRECEDENCE + 5;

  static final int JSON_CHARSET = Ordered.HIGHEST_PRECEDENCE + 6;

  static final int PATH_PARAMETERS = Ordered.HIGHEST_PRECEDENCE + 7;

  /** Deferring the answer's flushes, around the operation alone. */
  static final int ONE_WRITE_RESPONSE = Ordered.HIGHEST_PRECEDENCE + 8;
}
