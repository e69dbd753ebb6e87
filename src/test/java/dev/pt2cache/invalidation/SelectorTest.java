package dev.pt2cache.invalidation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pt2cache.artifact.ArtifactFilter;
import dev.pt2cache.artifact.ArtifactKind;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What an invalidation or a standing rule retires is its selector turned into a filter: a member
 * carried to the wrong field retires what the operator did not name, and blocks it for good.
 */
class SelectorTest {

  static final UUID ID = UUID.fromString("00000000-0000-0000-0000-000000000007");

  static Selector tagsOnly(Map<String, String> tags) {
    return new Selector(
        null, null, null, null, null, null, null, null, null, null, null, tags, null, null, null);
  }

  /** Members and fields share their names, but for the ids and the kind (a wire name there). */
  @Test
  void shouldCarryEachMemberToTheFieldOfItsName() {
    Selector selector =
        new Selector(
            List.of(ID),
            "inductor-dir",
            "key",
            "sha",
            "model",
            "version",
            "torch",
            "triton",
            "cuda",
            "gpu",
            "capability",
            Map.of("mig", "1g"),
            "fingerprint",
            "rocm",
            "python");

    ArtifactFilter filter = selector.toFilter();

    assertThat(filter)
        .usingRecursiveComparison()
        .ignoringFields("ids", "kind", "state")
        .isEqualTo(selector);
    assertThat(filter.ids()).containsExactly(ID);
    assertThat(filter.kind()).isEqualTo(ArtifactKind.INDUCTOR_DIR);
    assertThat(filter.state()).as("every state: ready and pending alike").isNull();
  }

  @Test
  void shouldSelectOneArtifactByIdOrOneContentByDigest() {
    ArtifactFilter byId = Selector.ofArtifact(ID).toFilter();
    assertThat(byId.ids()).containsExactly(ID);
    assertThat(byId).usingRecursiveComparison().ignoringFields("ids").isEqualTo(nothing());

    ArtifactFilter bySha256 = Selector.ofSha256("abc").toFilter();
    assertThat(bySha256.sha256()).isEqualTo("abc");
    assertThat(bySha256).usingRecursiveComparison().ignoringFields("sha256").isEqualTo(nothing());
  }

  private static ArtifactFilter nothing() {
    ArtifactFilter nothing = tagsOnly(null).toFilter();
    assertThat(nothing.isEmpty()).isTrue();
    return nothing;
  }

  /** As in descriptors, a tag given as null is one left out: a selector of null tags is empty. */
  @Test
  void shouldDropTagsGivenAsNullSoThatThoseAloneSelectNothing() {
    Map<String, String> tags = new HashMap<>();
    tags.put("mig", null);
    assertThat(tagsOnly(tags).tags()).isEmpty();
    assertThat(tagsOnly(tags).toFilter().isEmpty()).isTrue();

    tags.put("node", "a");
    assertThat(tagsOnly(tags).tags()).containsExactly(Map.entry("node", "a"));
    Map<String, String> given = Map.of("node", "a");
    assertThat(tagsOnly(given).tags()).isSameAs(given);
  }

  @Test
  void shouldRefuseANullAmongIdsAndAnEmptyListButTakeIdsOrNone() {
    assertThatThrownBy(() -> Selector.requireNoNullIds(Arrays.asList(ID, null)))
        .isInstanceOf(InvalidSelectorException.class)
        .hasMessageContaining("null");
    assertThatThrownBy(() -> Selector.requireNoNullIds(List.of()))
        .isInstanceOf(InvalidSelectorException.class)
        .hasMessageContaining("empty");
    assertThatCode(() -> Selector.requireNoNullIds(List.of(ID))).doesNotThrowAnyException();
    assertThatCode(() -> Selector.requireNoNullIds(null)).doesNotThrowAnyException();
  }
}
