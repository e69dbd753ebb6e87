package dev.pt2cache.support;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a newer OpenAPI document takes away from an older one, for the clients written against the
 * older: an operation, parameter, status, header or member gone; a parameter or request member
 * newly required; a response member no longer required; a type or format changed; a request value
 * held to a narrower range, length, enumeration or pattern, or refused members it took. Additions
 * are not reported, nor anything in descriptions and examples. Request schemas are judged as the
 * service reads them (it may take more, never less), response schemas as clients read them (they
 * may be given more, never less).
 */
public final class ContractGrowth {

  private static final List<String> METHODS =
      List.of("get", "put", "post", "delete", "head", "patch", "options");
  private static final List<String> UPPER_BOUNDS = List.of("maxLength", "maximum", "maxItems");
  private static final List<String> LOWER_BOUNDS = List.of("minLength", "minimum", "minItems");

  private final Map<String, Object> older;
  private final Map<String, Object> newer;
  private final List<String> losses = new ArrayList<>();
  private final Set<String> compared = new HashSet<>();

  private ContractGrowth(Map<String, Object> older, Map<String, Object> newer) {
    this.older = older;
    this.newer = newer;
  }

  /** Each thing the newer document takes away, one line each naming where; empty if none. */
  public static List<String> losses(Map<String, Object> older, Map<String, Object> newer) {
    ContractGrowth growth = new ContractGrowth(older, newer);
    growth.paths();
    return growth.losses;
  }

  private void paths() {
    Map<String, Object> newPaths = map(newer.get("paths"));
    map(older.get("paths"))
        .forEach(
            (path, item) -> {
              Map<String, Object> newItem = map(newPaths.get(path));
              if (newItem.isEmpty()) {
                losses.add(path + ": path removed");
                return;
              }
              for (String method : METHODS) {
                Map<String, Object> operation = map(map(item).get(method));
                if (!operation.isEmpty()) {
                  String where = method.toUpperCase() + " " + path;
                  Map<String, Object> newOperation = map(newItem.get(method));
                  if (newOperation.isEmpty()) {
                    losses.add(where + ": operation removed");
                  } else {
                    operation(where, map(item), operation, newItem, newOperation);
                  }
                }
              }
            });
  }

  private void operation(
      String where,
      Map<String, Object> item,
      Map<String, Object> operation,
      Map<String, Object> newItem,
      Map<String, Object> newOperation) {
    Map<String, Map<String, Object>> parameters = parameters(older, item, operation);
    Map<String, Map<String, Object>> newParameters = parameters(newer, newItem, newOperation);
    parameters.forEach(
        (name, parameter) -> {
          Map<String, Object> newParameter = newParameters.get(name);
          if (newParameter == null) {
            losses.add(where + " parameter " + name + ": removed");
          } else {
            if (isTrue(newParameter.get("required")) && !isTrue(parameter.get("required"))) {
              losses.add(where + " parameter " + name + ": now required");
            }
            schema(
                where + " parameter " + name,
                parameter.get("schema"),
                newParameter.get("schema"),
                true);
          }
        });
    newParameters.forEach(
        (name, parameter) -> {
          if (!parameters.containsKey(name) && isTrue(parameter.get("required"))) {
            losses.add(where + " parameter " + name + ": added as required");
          }
        });
    Map<String, Object> body = resolve(older, operation.get("requestBody"));
    Map<String, Object> newBody = resolve(newer, newOperation.get("requestBody"));
    if (isTrue(newBody.get("required")) && !isTrue(body.get("required"))) {
      losses.add(where + " request body: now required");
    }
    content(where + " request body", body, newBody, true);
    Map<String, Object> newResponses = map(newOperation.get("responses"));
    map(operation.get("responses"))
        .forEach(
            (status, response) -> {
              String at = where + " " + status;
              Map<String, Object> newResponse = resolve(newer, newResponses.get(status));
              if (newResponse.isEmpty()) {
                losses.add(at + ": response removed");
                return;
              }
              Map<String, Object> resolved = resolve(older, response);
              Map<String, Object> newHeaders = map(newResponse.get("headers"));
              for (String header : map(resolved.get("headers")).keySet()) {
                if (!newHeaders.containsKey(header)) {
                  losses.add(at + " header " + header + ": removed");
                }
              }
              content(at, resolved, newResponse, false);
            });
  }

  private void content(
      String where, Map<String, Object> holder, Map<String, Object> newHolder, boolean request) {
    Map<String, Object> newContent = map(newHolder.get("content"));
    map(holder.get("content"))
        .forEach(
            (type, media) -> {
              Map<String, Object> newMedia = map(newContent.get(type));
              if (newMedia.isEmpty() && !newContent.containsKey(type)) {
                losses.add(where + " " + type + ": media type removed");
              } else {
                schema(
                    where + " " + type, map(media).get("schema"), newMedia.get("schema"), request);
              }
            });
  }

  private void schema(String where, Object schema, Object newSchema, boolean request) {
    if (schema == null) {
      return;
    }
    String reference = map(schema).get("$ref") instanceof String ref ? ref : null;
    if (reference != null
        && !compared.add(request + reference + "|" + map(newSchema).get("$ref"))) {
      return;
    }
    Map<String, Object> old = resolve(older, schema);
    Map<String, Object> now = resolve(newer, newSchema);
    for (String key : List.of("type", "format")) {
      if (old.containsKey(key) && !Objects.equals(old.get(key), now.get(key))) {
        losses.add(where + ": " + key + " " + old.get(key) + " became " + now.get(key));
      }
    }
    required(where, old, now, request);
    Map<String, Object> newProperties = map(now.get("properties"));
    map(old.get("properties"))
        .forEach(
            (name, property) -> {
              if (!newProperties.containsKey(name)) {
                losses.add(where + " member " + name + ": removed");
              } else {
                schema(where + "." + name, property, newProperties.get(name), request);
              }
            });
    if (request) {
      narrowed(where, old, now);
    }
    if (old.get("items") != null) {
      schema(where + "[]", old.get("items"), now.get("items"), request);
    }
    if (old.get("additionalProperties") instanceof Map<?, ?> values
        && now.get("additionalProperties") instanceof Map<?, ?> newValues) {
      schema(where + "{}", values, newValues, request);
    }
    for (String combined : List.of("allOf", "oneOf", "anyOf")) {
      List<?> parts = list(old.get(combined));
      List<?> newParts = list(now.get(combined));
      for (int i = 0; i < parts.size(); i++) {
        schema(
            where + " " + combined + i,
            parts.get(i),
            i < newParts.size() ? newParts.get(i) : Map.of(),
            request);
      }
    }
  }

  private void required(
      String where, Map<String, Object> old, Map<String, Object> now, boolean request) {
    Set<Object> before = new HashSet<>(list(old.get("required")));
    Set<Object> after = new HashSet<>(list(now.get("required")));
    if (request) {
      after.removeAll(before);
      after.forEach(name -> losses.add(where + " member " + name + ": now required"));
    } else {
      before.removeAll(after);
      before.forEach(name -> losses.add(where + " member " + name + ": no longer required"));
    }
  }

  private void narrowed(String where, Map<String, Object> old, Map<String, Object> now) {
    for (String bound : UPPER_BOUNDS) {
      if (now.get(bound) instanceof Number limit
          && (!(old.get(bound) instanceof Number was) || limit.doubleValue() < was.doubleValue())) {
        losses.add(where + ": " + bound + " " + old.get(bound) + " became " + limit);
      }
    }
    for (String bound : LOWER_BOUNDS) {
      if (now.get(bound) instanceof Number limit
          && limit.doubleValue() > (old.get(bound) instanceof Number was ? was.doubleValue() : 0)) {
        losses.add(where + ": " + bound + " " + old.get(bound) + " became " + limit);
      }
    }
    boolean enumNarrowed =
        !old.containsKey("enum")
            || !new HashSet<>(list(now.get("enum"))).containsAll(list(old.get("enum")));
    if (now.containsKey("enum") && enumNarrowed) {
      losses.add(where + ": enum " + old.get("enum") + " became " + now.get("enum"));
    }
    if (now.containsKey("pattern") && !Objects.equals(old.get("pattern"), now.get("pattern"))) {
      losses.add(where + ": pattern " + old.get("pattern") + " became " + now.get("pattern"));
    }
    if (Boolean.FALSE.equals(now.get("additionalProperties"))
        && !Boolean.FALSE.equals(old.get("additionalProperties"))) {
      losses.add(where + ": members it does not name now refused");
    }
  }

  private static Map<String, Map<String, Object>> parameters(
      Map<String, Object> document, Map<String, Object> item, Map<String, Object> operation) {
    Map<String, Map<String, Object>> byName = new LinkedHashMap<>();
    for (Object source : List.of(list(item.get("parameters")), list(operation.get("parameters")))) {
      for (Object parameter : (Collection<?>) source) {
        Map<String, Object> resolved = resolve(document, parameter);
        byName.put(resolved.get("in") + " " + resolved.get("name"), resolved);
      }
    }
    return byName;
  }

  /** The object itself, or the one its local {@code $ref} names. */
  private static Map<String, Object> resolve(Map<String, Object> document, Object node) {
    Map<String, Object> object = map(node);
    while (object.get("$ref") instanceof String reference && reference.startsWith("#/")) {
      Map<String, Object> target = document;
      for (String part : reference.substring(2).split("/")) {
        target = map(target.get(part));
      }
      object = target;
    }
    return object;
  }

  private static boolean isTrue(Object value) {
    return Boolean.TRUE.equals(value);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    return value instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  private static List<?> list(Object value) {
    return value instanceof List<?> l ? l : List.of();
  }
}
