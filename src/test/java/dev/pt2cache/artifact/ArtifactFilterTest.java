package dev.pt2cache.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pt2cache.descriptor.Descriptor;
import dev.pt2cache.descriptor.NulCharacterException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The in-memory half of a filter: what a standing rule refuses at upload and at every serving read.
 * A wrong answer here serves what an operator blocked, or refuses what nobody did.
 */
class ArtifactFilterTest {

  static final UUID ID = UUID.fromString("00000000-0000-0000-0000-000000000001");
  static final Descriptor RESNET =
      new Descriptor(
          new Descriptor.Model("resnet50", "1", "fp"),
          new Descriptor.Software("2.11.0", "3.6.0", "13.0", "6.4.1", "3.12"),
          new Descriptor.Hardware("H100", "9.0", Map.of("mig", "1g", "node", "a")),
          null);
  static final ArtifactFilter.Subject ARTIFACT =
      new ArtifactFilter.Subject(ID, ArtifactKind.MEGA_CACHE, "k1", "s1", RESNET);

  /** A filter of one field: {@code field} is its position among the filter's components. */
  static ArtifactFilter only(int field, Object value) {
    Object[] args = new Object[16];
    args[field] = value;
    return new ArtifactFilter(
        (List<UUID>) args[0],
        (ArtifactKind) args[1],
        (ArtifactState) args[2],
        (String) args[3],
        (String) args[4],
        (String) args[5],
        (String) args[6],
        (String) args[7],
        (String) args[8],
        (String) args[9],
        (String) args[10],
        (String) args[11],
        asTags(args[12]),
        (String) args[13],
        (String) args[14],
        (String) args[15]);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> asTags(Object tags) {
    return (Map<String, String>) tags;
  }

  /** Each text field of the filter, by position, with the subject's value and another one. */
  static final Object[][] TEXT_FIELDS = {
    {3, "k1", "k2"},
    {4, "s1", "s2"},
    {5, "resnet50", "resnet18"},
    {6, "1", "2"},
    {7, "2.11.0", "2.11.1"},
    {8, "3.6.0", "3.6.1"},
    {9, "13.0", "12.8"},
    {10, "H100", "A100"},
    {11, "9.0", "8.0"},
    {13, "fp", "fp2"},
    {14, "6.4.1", "6.4.2"},
    {15, "3.12", "3.13"},
  };

  @Nested
  class Matching {

    @Test
    void shouldMatchOnEachFieldItsOwnValueAndNoOther() {
      for (Object[] field : TEXT_FIELDS) {
        int position = (int) field[0];
        assertThat(only(position, field[1]).matches(ARTIFACT)).as("field %d", position).isTrue();
        assertThat(only(position, field[2]).matches(ARTIFACT)).as("field %d", position).isFalse();
      }
      assertThat(only(1, ArtifactKind.MEGA_CACHE).matches(ARTIFACT)).isTrue();
      assertThat(only(1, ArtifactKind.INDUCTOR_DIR).matches(ARTIFACT)).isFalse();
    }

    @Test
    void shouldNeedEveryFieldGiven() {
      ArtifactFilter both =
          new ArtifactFilter(
              null,
              null,
              null,
              null,
              null,
              "resnet50",
              "2",
              null,
              null,
              null,
              null,
              null,
              null,
              null,
              null,
              null);
      assertThat(both.matches(ARTIFACT)).as("the model matches, its version does not").isFalse();
    }

    @Test
    void shouldMatchAnIdAmongThoseGivenAndNeverAnUploadNotYetReserved() {
      UUID other = UUID.randomUUID();
      assertThat(only(0, List.of(other, ID)).matches(ARTIFACT)).isTrue();
      assertThat(only(0, List.of(other)).matches(ARTIFACT)).isFalse();
      var unreserved =
          new ArtifactFilter.Subject(null, ArtifactKind.MEGA_CACHE, "k1", "s1", RESNET);
      assertThat(only(0, Arrays.asList(other, null)).matches(unreserved)).isFalse();
      assertThat(only(0, List.of()).matches(ARTIFACT)).as("no ids narrow nothing").isTrue();
    }

    @Test
    void shouldNeedEveryTagGivenWithItsValue() {
      assertThat(only(12, Map.of("mig", "1g")).matches(ARTIFACT)).isTrue();
      assertThat(only(12, Map.of("mig", "1g", "node", "a")).matches(ARTIFACT)).isTrue();
      assertThat(only(12, Map.of("mig", "1g", "node", "b")).matches(ARTIFACT)).isFalse();
      assertThat(only(12, Map.of("rack", "1g")).matches(ARTIFACT)).isFalse();
      assertThat(only(12, Map.of()).matches(ARTIFACT)).isTrue();
      var untagged =
          new ArtifactFilter.Subject(
              ID,
              ArtifactKind.MEGA_CACHE,
              "k1",
              "s1",
              new Descriptor(
                  RESNET.model(),
                  RESNET.software(),
                  new Descriptor.Hardware("H100", null, null),
                  null));
      assertThat(only(12, Map.of("mig", "1g")).matches(untagged)).isFalse();
    }

    /** An entry stored without a descriptor has no model, software nor hardware to match. */
    @Test
    void shouldMatchAnEntryWithoutDescriptorOnlyByWhatItHas() {
      var entry = new ArtifactFilter.Subject(ID, ArtifactKind.FX_GRAPH, "k1", "s1", null);
      for (Object[] field : TEXT_FIELDS) {
        int position = (int) field[0];
        boolean own = position == 3 || position == 4;
        assertThat(only(position, field[1]).matches(entry)).as("field %d", position).isEqualTo(own);
      }
      assertThat(only(12, Map.of("mig", "1g")).matches(entry)).isFalse();
      assertThat(only(1, ArtifactKind.FX_GRAPH).matches(entry)).isTrue();
    }
  }

  @Nested
  class Empty {

    @Test
    void shouldBeEmptyOnlyWhenNoFieldNarrows() {
      assertThat(only(0, null).isEmpty()).isTrue();
      assertThat(only(0, List.of()).isEmpty()).isTrue();
      assertThat(only(12, Map.of()).isEmpty()).isTrue();
      assertThat(only(0, List.of(ID)).isEmpty()).isFalse();
      assertThat(only(1, ArtifactKind.PGO).isEmpty()).isFalse();
      assertThat(only(2, ArtifactState.READY).isEmpty()).isFalse();
      assertThat(only(12, Map.of("mig", "1g")).isEmpty()).isFalse();
      for (Object[] field : TEXT_FIELDS) {
        assertThat(only((int) field[0], field[1]).isEmpty()).as("field %s", field[0]).isFalse();
      }
    }
  }

  @Nested
  class Refused {

    @Test
    void shouldRefuseNulInAnyTextFieldOrTag() {
      for (Object[] field : TEXT_FIELDS) {
        assertThatThrownBy(() -> only((int) field[0], "a\0b"))
            .as("field %s", field[0])
            .isInstanceOf(NulCharacterException.class);
        assertThatThrownBy(() -> only((int) field[0], "\0"))
            .as("field %s", field[0])
            .isInstanceOf(NulCharacterException.class);
      }
      assertThatThrownBy(() -> only(12, Map.of("mig\0", "1g")))
          .isInstanceOf(NulCharacterException.class);
      assertThatThrownBy(() -> only(12, Map.of("mig", "1\0g")))
          .isInstanceOf(NulCharacterException.class)
          .hasMessageContaining("tags.mig");
    }
  }
}
