package dev.pt2cache.namespace;

public class NamespaceNotFoundException extends RuntimeException {

  public NamespaceNotFoundException(String name) {
    super("namespace '" + name + "' does not exist");
  }
}
