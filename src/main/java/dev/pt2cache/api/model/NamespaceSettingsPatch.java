package dev.pt2cache.api.model;

import java.util.HashSet;
import java.util.Set;

/**
 * The body of {@code PATCH /v1/namespaces/{namespace}}, the contract's {@code
 * NamespaceSettingsPatch} (a JSON merge patch, RFC 7396): {@link NamespaceSettings}, read and
 * validated as a {@code PUT}'s body is (the same members, bounds and strictness), which also
 * records the members the body gave, since one given as {@code null} is cleared and one left out
 * kept. Jackson calls a member's setter for each member present, {@code null} included. Written by
 * hand (pom.xml's {@code schemaMapping}): the generated models, without {@code openApiNullable},
 * cannot tell the two apart.
 */
public class NamespaceSettingsPatch extends NamespaceSettings {

  private final Set<String> given = new HashSet<>();

  @Override
  public void setQuotaBytes(Long quotaBytes) {
    given.add("quotaBytes");
    super.setQuotaBytes(quotaBytes);
  }

  @Override
  public void setMaxIdleDays(Integer maxIdleDays) {
    given.add("maxIdleDays");
    super.setMaxIdleDays(maxIdleDays);
  }

  @Override
  public void setInvalidateAfterReports(Integer invalidateAfterReports) {
    given.add("invalidateAfterReports");
    super.setInvalidateAfterReports(invalidateAfterReports);
  }

  /** Whether the body gave the member (by its name in the contract), as a value or as null. */
  public boolean gives(String member) {
    return given.contains(member);
  }
}
