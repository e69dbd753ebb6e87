package dev.pt2cache.namespace;

import java.util.Set;

/**
 * A merge patch of a namespace's settings (RFC 7396, docs/adr/0051): each member {@code given} is
 * set to its value in {@code values} ({@code null} clears it, and the default then applies); the
 * others keep what is stored.
 */
public record SettingsPatch(Settings values, Set<Member> given) {

  /** The settings a namespace stores; a null member is none of its own. */
  public record Settings(Long quotaBytes, Integer maxIdleDays, Integer invalidateAfterReports) {}

  /** The members a patch may give. */
  public enum Member {
    QUOTA_BYTES,
    MAX_IDLE_DAYS,
    INVALIDATE_AFTER_REPORTS
  }

  public SettingsPatch {
    given = Set.copyOf(given);
  }

  public boolean gives(Member member) {
    return given.contains(member);
  }

  /** The settings once the patch is applied to those stored. */
  public Settings applyTo(Settings stored) {
    return new Settings(
        gives(Member.QUOTA_BYTES) ? values.quotaBytes() : stored.quotaBytes(),
        gives(Member.MAX_IDLE_DAYS) ? values.maxIdleDays() : stored.maxIdleDays(),
        gives(Member.INVALIDATE_AFTER_REPORTS)
            ? values.invalidateAfterReports()
            : stored.invalidateAfterReports());
  }
}
