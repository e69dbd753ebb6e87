package dev.pt2cache.descriptor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The form every key is hashed from (docs/key-derivation.md), and what it refuses: text PostgreSQL
 * cannot store and values with no single form, wherever they sit in a descriptor.
 */
class CanonicalJsonTest {

  /** A map that keeps nulls and its order, as a parsed body does. */
  private static Map<String, Object> map(Object... namesAndValues) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      map.put((String) namesAndValues[i], namesAndValues[i + 1]);
    }
    return map;
  }

  @Nested
  class Form {

    @Test
    void shouldSortMembersAndPruneNullsAndEmptyObjectsBottomUpButNotInsideArrays() {
      Object value =
          map(
              "b", map("y", null, "x", map("gone", map())),
              "a", List.of(map(), "kept"),
              "c", map("z", 1.0, "e", ""));

      assertThat(CanonicalJson.of(value))
          .isEqualTo("{\"a\":[{},\"kept\"],\"c\":{\"e\":\"\",\"z\":1}}");
    }

    @Test
    void shouldKeepFalseZeroAndTheEmptyStringWhichAreValues() {
      assertThat(CanonicalJson.of(map("f", false, "n", 0, "s", "")))
          .isEqualTo("{\"f\":false,\"n\":0,\"s\":\"\"}");
    }

    @Test
    void shouldKeepAPairedSurrogateAsTheCharacterItEncodes() {
      String emoji = "\uD83D\uDE80";
      assertThat(CanonicalJson.of(map(emoji, emoji + "x")))
          .isEqualTo("{\"" + emoji + "\":\"" + emoji + "x\"}");
    }

    @Test
    void shouldReadBackWhatItWrote() {
      @SuppressWarnings("unchecked")
      Map<String, Object> back = CanonicalJson.parse(CanonicalJson.of(map("a", 1)), Map.class);
      assertThat(back).containsEntry("a", 1);
    }
  }

  @Nested
  class Refused {

    @Test
    void shouldRefuseNulInAValueOrANameAtAnyDepthAndSayWhere() {
      assertThatThrownBy(() -> CanonicalJson.of(map("a", "x\0")))
          .isInstanceOf(NulCharacterException.class)
          .hasMessageEndingWith("found in a");
      assertThatThrownBy(() -> CanonicalJson.of(map("a", map("b\0", 1))))
          .isInstanceOf(NulCharacterException.class)
          .hasMessageContaining("found in a.b\\u0000");
      assertThatThrownBy(() -> CanonicalJson.of(map("a", map("b", List.of("ok", "\0")))))
          .isInstanceOf(NulCharacterException.class)
          .hasMessageEndingWith("found in a.b[1]");
      assertThatThrownBy(() -> CanonicalJson.of("\0")).isInstanceOf(NulCharacterException.class);
    }

    /** Hashed as "?", an unpaired surrogate would share its key with a real "?". */
    @Test
    void shouldRefuseUnpairedSurrogatesInValuesNamesAndArraysButNoOtherText() {
      for (String unpaired :
          List.of("\uD83D", "x\uD83D", "\uD83Dx", "\uDE80", "\uDE80\uD83D", "\uD83D\uD83D")) {
        assertThatThrownBy(() -> CanonicalJson.of(map("a", unpaired)))
            .as(unpaired.codePoints().mapToObj(Integer::toHexString).toList().toString())
            .isInstanceOf(UnrepresentableValueException.class)
            .hasMessageContaining("(found in a)");
        assertThatThrownBy(() -> CanonicalJson.of(map(unpaired, 1)))
            .isInstanceOf(UnrepresentableValueException.class);
        assertThatThrownBy(() -> CanonicalJson.of(map("a", List.of(map("b", unpaired)))))
            .isInstanceOf(UnrepresentableValueException.class)
            .hasMessageContaining("(found in a[0].b)");
      }
      assertThat(CanonicalJson.of(map("a", "\uD7FF\uE000\uFFFD"))).contains("\uD7FF\uE000");
    }

    /** RFC 8785 reads every number as a double: 1e400 has no form, nor has a 400-digit integer. */
    @Test
    void shouldRefuseANumberBeyondADoubleAtAnyDepth() {
      BigInteger huge = BigInteger.TEN.pow(400);
      assertThatThrownBy(() -> CanonicalJson.of(map("a", map("b", huge))))
          .isInstanceOf(UnrepresentableValueException.class)
          .hasMessageContaining("(found in a.b)");
      assertThatThrownBy(() -> CanonicalJson.of(map("a", List.of(1, huge))))
          .isInstanceOf(UnrepresentableValueException.class)
          .hasMessageContaining("(found in a[1])");
      assertThat(CanonicalJson.of(map("a", Double.MAX_VALUE)))
          .isEqualTo("{\"a\":1.7976931348623157e+308}");
    }
  }

  @Nested
  class Storable {

    @Test
    void shouldReplaceNulAndUnpairedSurrogatesAndKeepEverythingElse() {
      assertThat(CanonicalJson.storable("a\0b")).isEqualTo("a\uFFFDb");
      assertThat(CanonicalJson.storable("\uD83D\uDE80!")).isEqualTo("\uD83D\uDE80!");
      assertThat(CanonicalJson.storable("x\uD83D")).isEqualTo("x\uFFFD");
      assertThat(CanonicalJson.storable("\uDE80\uD83Dy")).isEqualTo("\uFFFD\uFFFDy");
      assertThat(CanonicalJson.storable("\uD83D\uD83D\uDE80")).isEqualTo("\uFFFD\uD83D\uDE80");
      assertThat(CanonicalJson.storable("")).isEmpty();
    }
  }
}
