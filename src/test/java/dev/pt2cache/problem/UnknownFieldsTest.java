package dev.pt2cache.problem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.mock.http.MockHttpInputMessage;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/** Where in a body a refused value stood, as a caller would write the path. */
class UnknownFieldsTest {

  record Limits(List<Integer> sizes, Nested nested) {}

  record Nested(int count) {}

  @Test
  void shouldNameANumberOutOfRangeInsideAnArrayByItsIndex() {
    assertThat(detailOf("{\"sizes\": [1, 99999999999999999999]}"))
        .startsWith("sizes[1] is out of range");
  }

  @Test
  void shouldNameANumberOutOfRangeInsideAnObjectByItsMembers() {
    assertThat(detailOf("{\"nested\": {\"count\": 99999999999999999999}}"))
        .startsWith("nested.count is out of range");
  }

  private static String detailOf(String body) {
    JacksonException refused =
        catchThrowableOfType(
            JacksonException.class,
            () -> JsonMapper.builder().build().readValue(body, Limits.class));
    return UnknownFields.detail(
        new HttpMessageNotReadableException(
            refused.getMessage(), refused, new MockHttpInputMessage(new byte[0])));
  }
}
