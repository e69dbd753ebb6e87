package dev.pt2cache.descriptor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class CacheKeysTest {

  static final Descriptor RESNET50 =
      new Descriptor(
          new Descriptor.Model("resnet50", "1", null),
          new Descriptor.Software("2.11.0+cu130", "3.6.0", "13.0", null, "3.12.3"),
          new Descriptor.Hardware("NVIDIA H100 80GB HBM3", "9.0", null),
          new Descriptor.Compile("inductor", "default", false, null));

  @Nested
  class TheDocumentedExample {

    /** The example of docs/key-derivation.md: a client that follows the document gets this. */
    @Test
    void shouldDeriveTheKeyThatTheDocumentShows() {
      assertThat(CacheKeys.derive("mega-cache", RESNET50))
          .isEqualTo("7ca75c77f48e57955b98cdbd020e4e6af5c372b8a0fa0088ca901ed98a136765");
    }

    @Test
    void shouldHashTheCanonicalFormThatTheDocumentShows() {
      assertThat(CanonicalJson.of(Map.of("descriptor", RESNET50, "kind", "mega-cache")))
          .isEqualTo(
              "{\"descriptor\":{\"compile\":{\"backend\":\"inductor\",\"dynamic\":false,"
                  + "\"mode\":\"default\"},\"hardware\":{\"capability\":\"9.0\","
                  + "\"gpu\":\"NVIDIA H100 80GB HBM3\"},\"model\":{\"name\":\"resnet50\","
                  + "\"version\":\"1\"},\"software\":{\"cuda\":\"13.0\",\"python\":\"3.12.3\","
                  + "\"torch\":\"2.11.0+cu130\",\"triton\":\"3.6.0\"}},\"kind\":\"mega-cache\"}");
    }
  }

  @Nested
  class SameKey {

    @Test
    void shouldTreatAbsentNullAndEmptyObjectsAlike() {
      Descriptor withEmpties =
          new Descriptor(
              RESNET50.model(),
              RESNET50.software(),
              new Descriptor.Hardware("NVIDIA H100 80GB HBM3", "9.0", Map.of()),
              new Descriptor.Compile("inductor", "default", false, Map.of()));
      assertThat(CacheKeys.derive("mega-cache", withEmpties))
          .isEqualTo(CacheKeys.derive("mega-cache", RESNET50));
    }

    @Test
    void shouldNotDependOnTheOrderOfOptions() {
      Map<String, Object> ab = new LinkedHashMap<>();
      ab.put("a", 1);
      ab.put("b", true);
      Map<String, Object> ba = new LinkedHashMap<>();
      ba.put("b", true);
      ba.put("a", 1);
      assertThat(CacheKeys.derive("mega-cache", withOptions(ab)))
          .isEqualTo(CacheKeys.derive("mega-cache", withOptions(ba)));
    }
  }

  @Nested
  class DifferentKey {

    @Test
    void shouldChangeWithTheKind() {
      assertThat(CacheKeys.derive("inductor-dir", RESNET50))
          .isNotEqualTo(CacheKeys.derive("mega-cache", RESNET50));
    }

    @Test
    void shouldChangeWithEveryFieldPyTorchKeysOn() {
      String base = CacheKeys.derive("mega-cache", RESNET50);
      var m = RESNET50.model();
      var s = RESNET50.software();
      var h = RESNET50.hardware();
      var c = RESNET50.compile();
      Descriptor[] variants = {
        new Descriptor(new Descriptor.Model("resnet50", "2", null), s, h, c),
        new Descriptor(new Descriptor.Model("resnet50", "1", "abc"), s, h, c),
        new Descriptor(
            m, new Descriptor.Software("2.11.1+cu130", "3.6.0", "13.0", null, "3.12.3"), h, c),
        new Descriptor(
            m, new Descriptor.Software("2.11.0+cu130", "3.6.1", "13.0", null, "3.12.3"), h, c),
        new Descriptor(
            m, new Descriptor.Software("2.11.0+cu130", "3.6.0", "12.8", null, "3.12.3"), h, c),
        new Descriptor(
            m, new Descriptor.Software("2.11.0+cu130", "3.6.0", "13.0", null, "3.11.9"), h, c),
        new Descriptor(m, s, new Descriptor.Hardware("NVIDIA A100-SXM4-80GB", "9.0", null), c),
        new Descriptor(m, s, new Descriptor.Hardware("NVIDIA H100 80GB HBM3", "8.0", null), c),
        new Descriptor(
            m, s, new Descriptor.Hardware("NVIDIA H100 80GB HBM3", "9.0", Map.of("mig", "1g")), c),
        new Descriptor(m, s, h, new Descriptor.Compile("inductor", "max-autotune", false, null)),
        new Descriptor(m, s, h, new Descriptor.Compile("inductor", "default", true, null)),
        new Descriptor(m, s, h, new Descriptor.Compile("aot_eager", "default", false, null)),
        withOptions(Map.of("coordinate_descent_tuning", true))
      };
      for (Descriptor variant : variants) {
        assertThat(CacheKeys.derive("mega-cache", variant))
            .as(variant.toString())
            .isNotEqualTo(base);
      }
    }
  }

  private static Descriptor withOptions(Map<String, Object> options) {
    return new Descriptor(
        RESNET50.model(),
        RESNET50.software(),
        RESNET50.hardware(),
        new Descriptor.Compile("inductor", "default", false, options));
  }
}
