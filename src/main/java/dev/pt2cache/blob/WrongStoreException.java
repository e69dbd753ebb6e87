package dev.pt2cache.blob;

import dev.pt2cache.system.StartRefusedException;

/** A bucket and a database that are not one deployment's: the service does not start. */
class WrongStoreException extends StartRefusedException {

  WrongStoreException(String problem, String action) {
    super(problem, action);
  }
}
