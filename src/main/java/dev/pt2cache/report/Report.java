package dev.pt2cache.report;

import java.time.Instant;

/**
 * One reporter's word on an artifact: the latest it said.
 *
 * @param reporter the caller's token name, and {@code /node} when the node named itself
 */
public record Report(String reporter, Failure problem, String detail, Instant reportedAt) {

  /** The reporter a token and an optional node name make. */
  static String reporter(String tokenName, String node) {
    return node == null ? tokenName : tokenName + "/" + node;
  }
}
