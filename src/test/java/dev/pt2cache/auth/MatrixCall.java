package dev.pt2cache.auth;

import dev.pt2cache.support.ApiClient;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Fixtures;

/** A request, ready to send; {@code stores} is the digest of bytes it would store, if any. */
record MatrixCall(String method, String path, String json, byte[] bytes, String stores) {

  static MatrixCall get(String path) {
    return new MatrixCall("GET", path, null, null, null);
  }

  static MatrixCall head(String path) {
    return new MatrixCall("HEAD", path, null, null, null);
  }

  static MatrixCall delete(String path) {
    return new MatrixCall("DELETE", path, null, null, null);
  }

  static MatrixCall post(String path, String json) {
    return new MatrixCall("POST", path, json, null, null);
  }

  static MatrixCall putJson(String path, String json) {
    return new MatrixCall("PUT", path, json, null, null);
  }

  static MatrixCall mergePatch(String path, String json) {
    return new MatrixCall("PATCH", path, json, null, null);
  }

  static MatrixCall putBytes(String path, byte[] bytes) {
    return new MatrixCall("PUT", path, null, bytes, Fixtures.sha256(bytes));
  }

  boolean head() {
    return method.equals("HEAD");
  }

  ApiResponse send(ApiClient client) {
    return switch (method) {
      case "GET" -> client.get(path);
      case "HEAD" -> client.head(path);
      case "DELETE" -> client.delete(path);
      case "POST" -> client.postJson(path, json);
      case "PATCH" -> client.mergePatch(path, json);
      default -> json != null ? client.putJson(path, json) : client.putBytes(path, bytes);
    };
  }

  MatrixCall in(String namespace, String other) {
    return new MatrixCall(
        method,
        path.replace("/v1/namespaces/" + namespace, "/v1/namespaces/" + other),
        json,
        bytes,
        stores);
  }
}
