package dev.pt2cache.system;

import java.io.IOException;

/** A JSON body sent without a length (chunked) that went past the limit while it was read. */
public class JsonBodyTooLargeException extends IOException {

  JsonBodyTooLargeException(int limit) {
    super("JSON bodies are limited to " + limit + " bytes");
  }
}
