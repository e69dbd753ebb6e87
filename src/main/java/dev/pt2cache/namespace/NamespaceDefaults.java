package dev.pt2cache.namespace;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * The limits of every namespace that sets none of its own, bound from {@code
 * pt2cache.namespaces.*}: without them a namespace nobody configured (the {@code default} one, say)
 * grows without bound.
 *
 * @param defaultQuota the quota of a namespace without {@code quotaBytes}; none when absent, and
 *     never 0 (a namespace that should hold nothing sets {@code quotaBytes: 0} itself)
 * @param defaultMaxIdleDays the idle limit of a namespace without {@code maxIdleDays}; none when
 *     absent
 */
@ConfigurationProperties("pt2cache.namespaces")
public record NamespaceDefaults(DataSize defaultQuota, Integer defaultMaxIdleDays) {

  public NamespaceDefaults {
    if (defaultQuota != null && defaultQuota.toBytes() <= 0) {
      throw new IllegalArgumentException(
          "pt2cache.namespaces.default-quota (PT2CACHE_DEFAULT_QUOTA) must be a positive size, or"
              + " unset for none: a default of 0 evicts every artifact of every namespace that"
              + " sets no quotaBytes of its own");
    }
    if (defaultMaxIdleDays != null && (defaultMaxIdleDays < 1 || defaultMaxIdleDays > 3650)) {
      throw new IllegalArgumentException(
          "pt2cache.namespaces.default-max-idle-days (PT2CACHE_DEFAULT_MAX_IDLE_DAYS) must be from"
              + " 1 to 3650, or empty for no default idle limit, not "
              + defaultMaxIdleDays);
    }
  }

  /** The quota enforced: the namespace's own, or the default. */
  public Long quotaOf(Long own) {
    return own != null || defaultQuota == null ? own : Long.valueOf(defaultQuota.toBytes());
  }

  /** The idle limit enforced: the namespace's own, or the default. */
  public Integer maxIdleDaysOf(Integer own) {
    return own != null ? own : defaultMaxIdleDays;
  }
}
