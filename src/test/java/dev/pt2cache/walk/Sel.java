package dev.pt2cache.walk;

import java.util.List;

/** An invalidation's selector; null fields are not given. */
record Sel(
    String kind,
    String key,
    String sha256,
    String modelName,
    String modelVersion,
    String torch,
    String gpu,
    List<String> ids) {

  Sel withKind(String value) {
    return new Sel(value, key, sha256, modelName, modelVersion, torch, gpu, ids);
  }

  Sel withKey(String value) {
    return new Sel(kind, value, sha256, modelName, modelVersion, torch, gpu, ids);
  }

  Sel withSha256(String value) {
    return new Sel(kind, key, value, modelName, modelVersion, torch, gpu, ids);
  }

  Sel withModel(String name, String version) {
    return new Sel(kind, key, sha256, name, version, torch, gpu, ids);
  }

  Sel withTorch(String value) {
    return new Sel(kind, key, sha256, modelName, modelVersion, value, gpu, ids);
  }

  Sel withGpu(String value) {
    return new Sel(kind, key, sha256, modelName, modelVersion, torch, value, ids);
  }

  Sel withIds(List<String> value) {
    return new Sel(kind, key, sha256, modelName, modelVersion, torch, gpu, value);
  }

  boolean hasDescriptorField() {
    return modelName != null || modelVersion != null || torch != null || gpu != null;
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
          && (gpu == null || gpu.equals(desc.gpu()));
    }
    return true;
  }
}
