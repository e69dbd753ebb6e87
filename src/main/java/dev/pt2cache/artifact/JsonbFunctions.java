package dev.pt2cache.artifact;

import org.hibernate.boot.model.FunctionContributions;
import org.hibernate.boot.model.FunctionContributor;
import org.hibernate.type.StandardBasicTypes;

/**
 * Teaches Hibernate PostgreSQL's jsonb containment as an operator ({@code @>}), so that hardware
 * tag filters use the GIN index on {@code hardware_tags}. Registered through
 * META-INF/services/org.hibernate.boot.model.FunctionContributor.
 */
public class JsonbFunctions implements FunctionContributor {

  /** {@code has_tag(tags, name, value)}: the jsonb object holds that name with that value. */
  static final String HAS_TAG = "has_tag";

  @Override
  public void contributeFunctions(FunctionContributions contributions) {
    var registry = contributions.getFunctionRegistry();
    var booleanType =
        contributions
            .getTypeConfiguration()
            .getBasicTypeRegistry()
            .resolve(StandardBasicTypes.BOOLEAN);
    registry.registerPattern(
        HAS_TAG, "(?1 @> jsonb_build_object(cast(?2 as text), cast(?3 as text)))", booleanType);
  }
}
