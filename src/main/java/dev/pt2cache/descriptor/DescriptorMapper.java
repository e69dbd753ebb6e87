package dev.pt2cache.descriptor;

import dev.pt2cache.api.model.CompileSettings;
import dev.pt2cache.api.model.HardwareInfo;
import dev.pt2cache.api.model.ModelInfo;
import dev.pt2cache.api.model.SoftwareInfo;

/** Between the descriptor of the API contract and the one of the domain. */
public final class DescriptorMapper {

  private DescriptorMapper() {}

  public static Descriptor toDomain(dev.pt2cache.api.model.Descriptor api) {
    if (api == null) {
      return null;
    }
    ModelInfo m = api.getModel();
    SoftwareInfo s = api.getSoftware();
    HardwareInfo h = api.getHardware();
    CompileSettings c = api.getCompile();
    HardwareTagRules.requireValid("descriptor.hardware.tags", h.getTags());
    return new Descriptor(
        new Descriptor.Model(m.getName(), m.getVersion(), m.getFingerprint()),
        new Descriptor.Software(
            s.getTorch(), s.getTriton(), s.getCuda(), s.getRocm(), s.getPython()),
        new Descriptor.Hardware(h.getGpu(), h.getCapability(), h.getTags()),
        c == null
            ? null
            : new Descriptor.Compile(c.getBackend(), c.getMode(), c.getDynamic(), c.getOptions()));
  }

  public static dev.pt2cache.api.model.Descriptor toApi(Descriptor d) {
    if (d == null) {
      return null;
    }
    var api =
        new dev.pt2cache.api.model.Descriptor()
            .model(
                new ModelInfo()
                    .name(d.model().name())
                    .version(d.model().version())
                    .fingerprint(d.model().fingerprint()))
            .software(
                new SoftwareInfo()
                    .torch(d.software().torch())
                    .triton(d.software().triton())
                    .cuda(d.software().cuda())
                    .rocm(d.software().rocm())
                    .python(d.software().python()))
            .hardware(
                new HardwareInfo()
                    .gpu(d.hardware().gpu())
                    .capability(d.hardware().capability())
                    .tags(d.hardware().tags()));
    if (d.compile() != null) {
      api.compile(
          new CompileSettings()
              .backend(d.compile().backend())
              .mode(d.compile().mode())
              .dynamic(d.compile().dynamic())
              .options(d.compile().options()));
    }
    return api;
  }
}
