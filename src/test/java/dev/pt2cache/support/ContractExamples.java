package dev.pt2cache.support;

import com.atlassian.oai.validator.report.MessageResolver;
import com.atlassian.oai.validator.report.ValidationReport;
import com.atlassian.oai.validator.schema.SchemaValidator;
import com.fasterxml.jackson.databind.JsonNode;
import io.swagger.v3.core.util.Json;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.parameters.RequestBody;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Every example openapi.yaml gives (of a schema or a member, a parameter, a request or response
 * body), with the schema it stands for. Swagger UI fills its forms and Try-it-out bodies with
 * these, so each must be what the schema allows.
 */
public final class ContractExamples {

  /** One example: where it stands, its value as JSON, and the schema it must satisfy. */
  public record Example(String where, JsonNode json, Schema<?> schema) {}

  private final OpenAPI api;
  private final List<Example> examples = new ArrayList<>();

  private ContractExamples(OpenAPI api) {
    this.api = api;
  }

  /** The contract as the service's tests read it (references kept, resolved by the validator). */
  public static OpenAPI load(String location) {
    ParseOptions options = new ParseOptions();
    options.setResolve(true);
    OpenAPI api = new OpenAPIV3Parser().read(location, null, options);
    if (api == null) {
      throw new IllegalStateException("cannot read " + location);
    }
    return api;
  }

  /** Every example of {@code api}. */
  public static List<Example> of(OpenAPI api) {
    ContractExamples walk = new ContractExamples(api);
    walk.all();
    return walk.examples;
  }

  /** What the validator finds wrong with an example; empty if nothing. */
  public static List<String> problems(OpenAPI api, Example example) {
    ValidationReport report =
        new SchemaValidator(api, new MessageResolver())
            .validate(() -> example.json(), example.schema(), "example");
    return report.getMessages().stream()
        .filter(m -> m.getLevel() == ValidationReport.Level.ERROR)
        .map(ValidationReport.Message::getMessage)
        .toList();
  }

  /**
   * The query Swagger UI fills in when Try-it-out opens {@code method path}: for each query
   * parameter, its example, else its schema's example, else its schema's default (swagger-ui 5's
   * parameter row, for OpenAPI 3). It sends what it filled.
   */
  public static Map<String, String> filledQuery(
      OpenAPI api, String path, PathItem.HttpMethod method) {
    Map<String, String> query = new LinkedHashMap<>();
    Operation operation = api.getPaths().get(path).readOperationsMap().get(method);
    for (Parameter declared : operation.getParameters()) {
      Parameter parameter = resolve(api, declared);
      if (!"query".equals(parameter.getIn())) {
        continue;
      }
      Schema<?> schema = resolve(api, parameter.getSchema());
      Object value = parameter.getExample();
      if (value == null) {
        value = schema.getExample() != null ? schema.getExample() : schema.getDefault();
      }
      if (value != null) {
        query.put(parameter.getName(), String.valueOf(value));
      }
    }
    return query;
  }

  private static Parameter resolve(OpenAPI api, Parameter parameter) {
    String ref = parameter.get$ref();
    return ref == null
        ? parameter
        : api.getComponents().getParameters().get(ref.substring(ref.lastIndexOf('/') + 1));
  }

  private static Schema<?> resolve(OpenAPI api, Schema<?> schema) {
    String ref = schema.get$ref();
    return ref == null
        ? schema
        : api.getComponents().getSchemas().get(ref.substring(ref.lastIndexOf('/') + 1));
  }

  private void all() {
    var components = api.getComponents();
    components.getSchemas().forEach((name, schema) -> schema("schema " + name, schema));
    if (components.getParameters() != null) {
      components.getParameters().forEach((name, p) -> parameter("parameter " + name, p));
    }
    if (components.getResponses() != null) {
      components.getResponses().forEach((name, r) -> response("response " + name, r));
    }
    api.getPaths()
        .forEach(
            (path, item) -> {
              if (item.getParameters() != null) {
                item.getParameters().forEach(p -> parameter(path + " " + p.getName(), p));
              }
              item.readOperationsMap()
                  .forEach((method, operation) -> operation(method + " " + path, operation));
            });
  }

  private void operation(String where, Operation operation) {
    if (operation.getParameters() != null) {
      operation.getParameters().forEach(p -> parameter(where + " " + p.getName(), p));
    }
    RequestBody body = operation.getRequestBody();
    if (body != null) {
      content(where + " request", body.getContent());
    }
    operation.getResponses().forEach((status, r) -> response(where + " " + status, r));
  }

  private void parameter(String where, Parameter parameter) {
    if (parameter.getExample() != null) {
      add(where, parameter.getExample(), parameter.getSchema());
    }
    if (parameter.getSchema() != null) {
      schema(where, parameter.getSchema());
    }
  }

  private void response(String where, ApiResponse response) {
    content(where, response.getContent());
    if (response.getHeaders() != null) {
      response
          .getHeaders()
          .forEach(
              (name, header) -> {
                if (header.getSchema() != null) {
                  schema(where + " header " + name, header.getSchema());
                }
              });
    }
  }

  private void content(String where, Content content) {
    if (content == null) {
      return;
    }
    content.forEach(
        (type, media) -> {
          if (media.getExample() != null) {
            add(where + " " + type, media.getExample(), media.getSchema());
          }
          if (media.getExamples() != null) {
            media
                .getExamples()
                .forEach(
                    (n, e) -> add(where + " " + type + " " + n, e.getValue(), media.getSchema()));
          }
          if (media.getSchema() != null) {
            schema(where + " " + type, media.getSchema());
          }
        });
  }

  private void schema(String where, Schema<?> schema) {
    if (schema.getExample() != null) {
      add(where, schema.getExample(), schema);
    }
    if (schema.getProperties() != null) {
      schema.getProperties().forEach((name, member) -> schema(where + "." + name, member));
    }
    if (schema.getItems() != null) {
      schema(where + "[]", schema.getItems());
    }
    if (schema.getAdditionalProperties() instanceof Schema<?> values) {
      schema(where + ".*", values);
    }
    Stream.of(schema.getAllOf(), schema.getOneOf(), schema.getAnyOf())
        .filter(Objects::nonNull)
        .flatMap(List::stream)
        .forEach(part -> schema(where + " part", part));
  }

  private void add(String where, Object value, Schema<?> schema) {
    examples.add(new Example(where, json(value), schema));
  }

  /** The parser turns a date-time example into a date; the document holds the text. */
  private static JsonNode json(Object value) {
    Object plain = value;
    if (value instanceof OffsetDateTime time) {
      plain = time.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    } else if (value instanceof Date date) {
      plain = date.toInstant().toString();
    }
    return Json.mapper().valueToTree(plain);
  }
}
