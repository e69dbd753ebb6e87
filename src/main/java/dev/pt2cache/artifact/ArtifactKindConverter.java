package dev.pt2cache.artifact;

import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;

/** Stores kinds by their wire name ({@code mega-cache}), as clients and operators know them. */
@Converter(autoApply = true)
class ArtifactKindConverter implements AttributeConverter<ArtifactKind, String> {

  @Override
  public String convertToDatabaseColumn(ArtifactKind kind) {
    return kind == null ? null : kind.wireName();
  }

  @Override
  public ArtifactKind convertToEntityAttribute(String wireName) {
    return wireName == null ? null : ArtifactKind.fromWire(wireName);
  }
}
