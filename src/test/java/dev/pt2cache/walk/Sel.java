package dev.pt2cache.walk;

import java.util.List;

/**
 * An invalidation's selector; null fields are not given. {@code member} names one more of the
 * descriptor's members ({@code modelFingerprint}, {@code rocm} or {@code python}, as the API names
 * them), given as {@code value}.
 */
record Sel(
    String kind,
    String key,
    String sha256,
    String modelName,
    String modelVersion,
    String torch,
    String gpu,
    List<String> ids,
    String member,
    String value) {

  /** No field given. */
  static final Sel NONE = new Sel(null, null, null, null, null, null, null, null, null, null);

  Sel withKind(String value) {
    return new Sel(
        value, key, sha256, modelName, modelVersion, torch, gpu, ids, member, this.value);
  }

  Sel withKey(String value) {
    return new Sel(
        kind, value, sha256, modelName, modelVersion, torch, gpu, ids, member, this.value);
  }

  Sel withSha256(String value) {
    return new Sel(kind, key, value, modelName, modelVersion, torch, gpu, ids, member, this.value);
  }

  Sel withModel(String name, String version) {
    return new Sel(kind, key, sha256, name, version, torch, gpu, ids, member, this.value);
  }

  Sel withTorch(String value) {
    return new Sel(kind, key, sha256, modelName, modelVersion, value, gpu, ids, member, this.value);
  }

  Sel withGpu(String value) {
    return new Sel(
        kind, key, sha256, modelName, modelVersion, torch, value, ids, member, this.value);
  }

  Sel withIds(List<String> value) {
    return new Sel(
        kind, key, sha256, modelName, modelVersion, torch, gpu, value, member, this.value);
  }

  /** The descriptor's {@code name} (as the API names it) given as {@code value}. */
  Sel withMember(String name, String given) {
    return new Sel(kind, key, sha256, modelName, modelVersion, torch, gpu, ids, name, given);
  }

  boolean hasDescriptorField() {
    return modelName != null
        || modelVersion != null
        || torch != null
        || gpu != null
        || member != null;
  }

  /** Every given field matches the artifact (or the artifact about to be declared). */
  boolean matches(String id, String artKind, String artKey, Desc desc, String sha) {
    if (ids != null && (id == null || !ids.contains(id))) {
      return false;
    }
    if (kind != null && !kind.equals(artKind)
        || key != null && !key.equals(artKey)
        || sha256 != null && !sha256.equals(sha)) {
      return false;
    }
    if (hasDescriptorField()) {
      return desc != null
          && (modelName == null || modelName.equals(desc.model()))
          && (modelVersion == null || modelVersion.equals(desc.version()))
          && (torch == null || torch.equals(desc.torch()))
          && (gpu == null || gpu.equals(desc.gpu()))
          && (member == null || value.equals(desc.member(member)));
    }
    return true;
  }
}
