package dev.pt2cache.blob;

/**
 * The store answered a request with a refusal that asking again will not change: an operation it
 * does not implement ({@code 501 NotImplemented}, {@code 405}) or one the credentials may not make
 * ({@code 403 AccessDenied}). Said apart from a store that is down, so that work which can do
 * without the operation goes on, saying so, instead of failing every time.
 */
public class StoreRefusedException extends StorageUnavailableException {

  StoreRefusedException(String message, Throwable cause) {
    super(message, cause);
  }
}
