package dev.pt2cache.descriptor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.descriptor.DescriptorDiff.Difference;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DescriptorDiffTest {

  @Test
  void shouldNameEachDifferingFieldWithBothValues() {
    Descriptor stored = CacheKeysTest.RESNET50;
    Descriptor requested =
        new Descriptor(
            stored.model(),
            new Descriptor.Software("2.11.1+cu130", "3.6.0", "13.0", null, "3.12.3"),
            new Descriptor.Hardware("NVIDIA H100 80GB HBM3", "9.0", Map.of("driver", "580")),
            stored.compile());

    assertThat(DescriptorDiff.between(requested, stored))
        .containsExactly(
            new Difference("hardware.tags.driver", "580", null),
            new Difference("software.torch", "2.11.1+cu130", "2.11.0+cu130"));
  }

  /** A section one side lacks is named field by field, as the other side has it. */
  @Test
  void shouldNameEveryFieldOfASectionOnlyOneSideHas() {
    Descriptor stored = CacheKeysTest.RESNET50;
    Descriptor requested =
        new Descriptor(stored.model(), stored.software(), stored.hardware(), null);

    assertThat(DescriptorDiff.between(requested, stored))
        .containsExactly(
            new Difference("compile.backend", null, "inductor"),
            new Difference("compile.dynamic", null, "false"),
            new Difference("compile.mode", null, "default"));
    assertThat(DescriptorDiff.between(stored, requested))
        .containsExactly(
            new Difference("compile.backend", "inductor", null),
            new Difference("compile.dynamic", "false", null),
            new Difference("compile.mode", "default", null));
  }

  @Test
  void shouldFindNoDifferenceBetweenEqualDescriptors() {
    assertThat(DescriptorDiff.between(CacheKeysTest.RESNET50, CacheKeysTest.RESNET50)).isEmpty();
  }
}
