package dev.pt2cache.descriptor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pt2cache.api.model.CompileSettings;
import dev.pt2cache.api.model.HardwareInfo;
import dev.pt2cache.api.model.ModelInfo;
import dev.pt2cache.api.model.SoftwareInfo;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The key is derived from the domain descriptor: a field of the request dropped or carried to
 * another on the way in would make descriptors that differ share a key, and serve one node's
 * compiled code to a node it was not compiled for.
 */
class DescriptorMapperTest {

  static dev.pt2cache.api.model.Descriptor api(CompileSettings compile) {
    return new dev.pt2cache.api.model.Descriptor()
        .model(new ModelInfo().name("m-name").version("m-version").fingerprint("m-fingerprint"))
        .software(
            new SoftwareInfo()
                .torch("s-torch")
                .triton("s-triton")
                .cuda("s-cuda")
                .rocm("s-rocm")
                .python("s-python"))
        .hardware(new HardwareInfo().gpu("h-gpu").capability("h-capability").tags(Map.of("t", "v")))
        .compile(compile);
  }

  static final CompileSettings COMPILE =
      new CompileSettings()
          .backend("c-backend")
          .mode("c-mode")
          .dynamic(true)
          .options(Map.of("o", "p"));

  @Test
  void shouldCarryEveryFieldToItsOwnPlace() {
    Descriptor domain = DescriptorMapper.toDomain(api(COMPILE));

    assertThat(domain)
        .isEqualTo(
            new Descriptor(
                new Descriptor.Model("m-name", "m-version", "m-fingerprint"),
                new Descriptor.Software("s-torch", "s-triton", "s-cuda", "s-rocm", "s-python"),
                new Descriptor.Hardware("h-gpu", "h-capability", Map.of("t", "v")),
                new Descriptor.Compile("c-backend", "c-mode", true, Map.of("o", "p"))));
  }

  @Test
  void shouldGiveBackWhatItTookWithOrWithoutCompileSettings() {
    assertThat(DescriptorMapper.toApi(DescriptorMapper.toDomain(api(COMPILE))))
        .isEqualTo(api(COMPILE));
    assertThat(DescriptorMapper.toDomain(api(null)).compile()).isNull();
    assertThat(DescriptorMapper.toApi(DescriptorMapper.toDomain(api(null)))).isEqualTo(api(null));
    assertThat(DescriptorMapper.toDomain(null)).isNull();
    assertThat(DescriptorMapper.toApi(null)).isNull();
  }

  @Test
  void shouldRefuseATagValueLongerThanTheContractAllows() {
    var longest = api(null);
    longest.getHardware().tags(Map.of("t", "v".repeat(HardwareTagRules.MAX_VALUE_LENGTH)));
    assertThat(DescriptorMapper.toDomain(longest).hardware().tags().get("t")).hasSize(200);

    var tooLong = api(null);
    tooLong.getHardware().tags(Map.of("t", "v".repeat(HardwareTagRules.MAX_VALUE_LENGTH + 1)));
    assertThatThrownBy(() -> DescriptorMapper.toDomain(tooLong))
        .isInstanceOf(HardwareTagRules.InvalidTagException.class)
        .hasMessageContaining("descriptor.hardware.tags.t is 201 characters long");
  }
}
