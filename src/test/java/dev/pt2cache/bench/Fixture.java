package dev.pt2cache.bench;

import dev.pt2cache.descriptor.CacheKeys;
import dev.pt2cache.descriptor.Descriptor;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.UUID;

/**
 * The namespace the benchmark works in, and an artifact stored there to hit: a realistic H100
 * descriptor; the miss asks for the same model under the next torch patch release, so the service
 * also explains it (the closest match and the field that differs).
 */
record Fixture(String namespace, String hitDescriptor, String missDescriptor) {

  static Fixture create(Target target, String namespace) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    send(
        http,
        ServiceAuth.request(target.url() + "/v1/namespaces/" + namespace)
            .header("Content-Type", "application/json")
            .PUT(BodyPublishers.ofString("{}"))
            .build());
    String model = "bench-" + UUID.randomUUID().toString().substring(0, 8);
    Fixture fixture =
        new Fixture(
            namespace, descriptor(model, "2.11.0+cu130"), descriptor(model, "2.11.1+cu130"));
    byte[] content = new byte[4096];
    new java.util.Random(1).nextBytes(content);
    String upload =
        "{\"kind\":\"mega-cache\",\"descriptor\":%s,\"sha256\":\"%s\",\"sizeBytes\":%d}"
            .formatted(fixture.hitDescriptor, sha256(content), content.length);
    String created =
        send(
            http,
            ServiceAuth.request(target.url() + "/v1/namespaces/" + namespace + "/artifacts")
                .header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString(upload))
                .build());
    java.util.regex.Matcher url =
        java.util.regex.Pattern.compile("\"uploadUrl\":\"([^\"]+)\"").matcher(created);
    if (url.find()) {
      send(
          http,
          ServiceAuth.request(target.url() + url.group(1))
              .header("Content-Type", "application/octet-stream")
              .PUT(BodyPublishers.ofByteArray(content))
              .build());
    }
    return fixture;
  }

  String hitLookup() {
    return "{\"kind\":\"mega-cache\",\"descriptor\":" + hitDescriptor + "}";
  }

  String missLookup() {
    return "{\"kind\":\"mega-cache\",\"descriptor\":" + missDescriptor + "}";
  }

  String hitKey() {
    return key(hitDescriptor);
  }

  String missKey() {
    return key(missDescriptor);
  }

  /** The select a lookup cannot do without: the ready artifact under (namespace, kind, key). */
  String readySelect(String key) {
    return ("select id, sha256, size_bytes, descriptor from artifact where namespace = '%s' "
            + "and kind = 'mega-cache' and cache_key = '%s' and state = 'READY';")
        .formatted(namespace, key);
  }

  static String descriptor(String model, String torch) {
    return ("{\"model\":{\"name\":\"%s\",\"version\":\"1\"},\"software\":{\"torch\":\"%s\","
            + "\"triton\":\"3.6.0\",\"cuda\":\"13.0\",\"python\":\"3.12.3\"},\"hardware\":{\"gpu\":"
            + "\"NVIDIA H100 80GB HBM3\",\"capability\":\"9.0\"},\"compile\":{\"backend\":\"inductor\","
            + "\"mode\":\"max-autotune\",\"dynamic\":false}}")
        .formatted(model, torch);
  }

  private static String key(String descriptorJson) {
    Descriptor d = dev.pt2cache.descriptor.CanonicalJson.parse(descriptorJson, Descriptor.class);
    return CacheKeys.derive("mega-cache", d);
  }

  static String sha256(byte[] content) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
  }

  private static String send(HttpClient http, HttpRequest request) throws Exception {
    var response = http.send(request, BodyHandlers.ofString());
    if (response.statusCode() >= 300) {
      throw new IllegalStateException(
          request.uri() + " -> " + response.statusCode() + " " + response.body());
    }
    return response.body();
  }
}
