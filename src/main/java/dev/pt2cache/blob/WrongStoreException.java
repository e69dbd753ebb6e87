package dev.pt2cache.blob;

/** A bucket and a database that are not one deployment's: the service does not start. */
class WrongStoreException extends IllegalStateException {

  WrongStoreException(String message) {
    super(message);
  }
}
