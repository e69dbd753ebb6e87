package dev.pt2cache.namespace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

class NamespaceDefaultsTest {

  @Test
  void shouldApplyTheNamespacesOwnLimitsFirst() {
    NamespaceDefaults defaults = new NamespaceDefaults(DataSize.ofGigabytes(1), 30);
    assertThat(defaults.quotaOf(5000L)).isEqualTo(5000);
    assertThat(defaults.quotaOf(null)).isEqualTo(1L << 30);
    assertThat(defaults.maxIdleDaysOf(2)).isEqualTo(2);
    assertThat(defaults.maxIdleDaysOf(null)).isEqualTo(30);
  }

  @Test
  void shouldLeaveANamespaceUnlimitedWhenNoDefaultIsSet() {
    NamespaceDefaults none = new NamespaceDefaults(null, null);
    assertThat(none.quotaOf(null)).isNull();
    assertThat(none.maxIdleDaysOf(null)).isNull();
  }

  @Test
  void shouldRefuseDefaultsNoNamespaceCouldHave() {
    assertThatThrownBy(() -> new NamespaceDefaults(DataSize.ofBytes(-1), null))
        .hasMessageContaining("default-quota");
    assertThatThrownBy(() -> new NamespaceDefaults(DataSize.ofBytes(0), null))
        .hasMessageContaining("PT2CACHE_DEFAULT_QUOTA")
        .hasMessageContaining("positive");
    assertThatThrownBy(() -> new NamespaceDefaults(null, 0))
        .hasMessageContaining("PT2CACHE_DEFAULT_MAX_IDLE_DAYS")
        .hasMessageEndingWith("not 0");
    assertThatThrownBy(() -> new NamespaceDefaults(null, 3651))
        .hasMessageContaining("default-max-idle-days");
  }

  @Test
  void shouldTakeTheIdleLimitsAtBothEndsOfTheirRange() {
    assertThat(new NamespaceDefaults(null, 1).maxIdleDaysOf(null)).isEqualTo(1);
    assertThat(new NamespaceDefaults(null, 3650).maxIdleDaysOf(null)).isEqualTo(3650);
  }
}
