package dev.pt2cache.system;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Says at every start which secrets are values this service publishes: the admin token, database
 * password and store secret of docker-compose.yml, the README's embedded default and
 * application.yaml's own default (and MinIO's). Anyone who has read them can use them, and an
 * operator who carried the compose file towards production was told nothing before: the instance
 * started as on secrets of its own. A warning, not a refusal, so that the documented starts still
 * work; it names the settings, never their values.
 */
@Component
public class PublishedCredentials {

  private static final Logger log = LoggerFactory.getLogger(PublishedCredentials.class);

  /** Each secret's setting, its property, and the values published for it. */
  private static final Map<String, Published> SECRETS =
      Map.of(
          "PT2CACHE_ADMIN_TOKEN",
          new Published(
              "pt2cache.auth.admin-token",
              Set.of("pt2cache-compose-admin-token", "pt2cache-local-admin-token")),
          "PT2CACHE_DB_PASSWORD",
          new Published("spring.datasource.password", Set.of("pt2cache", "postgres")),
          "PT2CACHE_S3_SECRET_KEY",
          new Published(
              "pt2cache.storage.secret-key",
              Set.of("pt2cache-secret", "pt2cache-local-secret", "minioadmin")));

  private record Published(String property, Set<String> values) {}

  /**
   * Whether {@code adminToken} is an admin token this repository publishes (surrounding whitespace
   * aside, as the service reads it): the embedded default listens on loopback while it has one.
   */
  public static boolean isPublishedAdminToken(String adminToken) {
    return adminToken != null
        && SECRETS.get("PT2CACHE_ADMIN_TOKEN").values().contains(adminToken.strip());
  }

  private final Environment environment;

  PublishedCredentials(Environment environment) {
    this.environment = environment;
  }

  /** The settings, by their environment names and in order, that hold a published value. */
  List<String> found() {
    boolean tokens = !"none".equalsIgnoreCase(environment.getProperty("pt2cache.auth.mode", ""));
    return SECRETS.entrySet().stream()
        .filter(secret -> tokens || !secret.getKey().equals("PT2CACHE_ADMIN_TOKEN"))
        .filter(
            secret -> {
              String value = environment.getProperty(secret.getValue().property(), "");
              return secret.getValue().values().contains(value.strip());
            })
        .map(Map.Entry::getKey)
        .sorted()
        .toList();
  }

  @EventListener(ApplicationStartedEvent.class)
  void warn() {
    List<String> found = found();
    if (!found.isEmpty()) {
      log.warn(
          "{} {} published with this service (docker-compose.yml, the README, application.yaml's"
              + " defaults): anyone who has read them can use them. Set secrets of your own before"
              + " this instance is reachable from other hosts (docs/operations.md#published-secrets)",
          String.join(", ", found),
          found.size() == 1 ? "holds a value" : "hold values");
    }
  }
}
