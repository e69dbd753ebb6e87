package dev.pt2cache.support;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;

/** In the containers run, skips cleanly where no Docker engine answers. */
public class DockerWhenContainers implements ExecutionCondition {

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    if (!TestInfra.containers()) {
      return ConditionEvaluationResult.enabled("in-process PostgreSQL and S3");
    }
    return DockerClientFactory.instance().isDockerAvailable()
        ? ConditionEvaluationResult.enabled("PostgreSQL and MinIO in containers")
        : ConditionEvaluationResult.disabled(
            "no Docker engine: the PostgreSQL + MinIO container run is skipped");
  }
}
