package dev.pt2cache.artifact;

import dev.pt2cache.descriptor.CanonicalJson;
import dev.pt2cache.descriptor.Descriptor;
import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import org.hibernate.annotations.ColumnTransformer;

/** The descriptor's fields as indexed columns, for filters and invalidation selectors. */
@Embeddable
public class DescriptorColumns {

  @Column(name = "model_name")
  String modelName;

  @Column(name = "model_version")
  String modelVersion;

  @Column(name = "model_fingerprint")
  String modelFingerprint;

  @Column(name = "torch_version")
  String torch;

  @Column(name = "triton_version")
  String triton;

  @Column(name = "cuda_version")
  String cuda;

  @Column(name = "rocm_version")
  String rocm;

  @Column(name = "python_version")
  String python;

  @Column(name = "gpu_name")
  String gpu;

  @Column(name = "gpu_capability")
  String capability;

  @Column(name = "hardware_tags", columnDefinition = "jsonb")
  @ColumnTransformer(write = "?::jsonb")
  String hardwareTags;

  @Column(name = "compile_backend")
  String compileBackend;

  @Column(name = "compile_mode")
  String compileMode;

  @Column(name = "compile_dynamic")
  Boolean compileDynamic;

  @Column(name = "compile_options", columnDefinition = "jsonb")
  @ColumnTransformer(write = "?::jsonb")
  String compileOptions;

  protected DescriptorColumns() {}

  static DescriptorColumns of(Descriptor d) {
    DescriptorColumns c = new DescriptorColumns();
    if (d == null) {
      return c;
    }
    c.modelName = d.model().name();
    c.modelVersion = d.model().version();
    c.modelFingerprint = d.model().fingerprint();
    c.torch = d.software().torch();
    c.triton = d.software().triton();
    c.cuda = d.software().cuda();
    c.rocm = d.software().rocm();
    c.python = d.software().python();
    c.gpu = d.hardware().gpu();
    c.capability = d.hardware().capability();
    c.hardwareTags = d.hardware().tags() == null ? null : CanonicalJson.of(d.hardware().tags());
    if (d.compile() != null) {
      c.compileBackend = d.compile().backend();
      c.compileMode = d.compile().mode();
      c.compileDynamic = d.compile().dynamic();
      c.compileOptions =
          d.compile().options() == null ? null : CanonicalJson.of(d.compile().options());
    }
    return c;
  }
}
