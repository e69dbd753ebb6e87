package dev.pt2cache.support;

import java.util.LinkedHashMap;
import java.util.Map;
import org.testcontainers.containers.MinIOContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/** PostgreSQL 17 and MinIO in containers, for where Docker exists. */
final class ContainerInfra {

  private static ContainerInfra shared;

  private final PostgreSQLContainer postgres;
  private final MinIOContainer minio;

  private ContainerInfra() {
    postgres = new PostgreSQLContainer("postgres:17");
    // from quay.io: Docker Hub has stopped serving MinIO's images (September 2026)
    minio =
        new MinIOContainer(
            DockerImageName.parse("quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z")
                .asCompatibleSubstituteFor("minio/minio"));
    postgres.start();
    minio.start();
  }

  static synchronized ContainerInfra shared() {
    if (shared == null) {
      shared = new ContainerInfra();
    }
    return shared;
  }

  Map<String, String> serviceEnvironment() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PT2CACHE_DB_URL", postgres.getJdbcUrl());
    env.put("PT2CACHE_DB_USER", postgres.getUsername());
    env.put("PT2CACHE_DB_PASSWORD", postgres.getPassword());
    env.put("PT2CACHE_S3_ENDPOINT", minio.getS3URL());
    env.put("PT2CACHE_S3_BUCKET", EmbeddedInfra.BUCKET);
    env.put("PT2CACHE_S3_ACCESS_KEY", minio.getUserName());
    env.put("PT2CACHE_S3_SECRET_KEY", minio.getPassword());
    env.put("PT2CACHE_S3_PATH_STYLE", "true");
    env.put("PT2CACHE_S3_CREATE_BUCKET", "true");
    env.put("PT2CACHE_ADMIN_TOKEN", EmbeddedInfra.ADMIN_TOKEN);
    return env;
  }
}
