package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A page's cursor names the last item it showed: read back one microsecond or one id off, the next
 * page skips or repeats an item across the page's end.
 */
class PageCursorTest {

  static final UUID ID = UUID.fromString("0b5a7c1e-0000-4000-8000-00000000002a");

  static final long LATEST_MICROS = Times.LATEST.getEpochSecond() * 1_000_000 + 999_999;

  static String encoded(String plain) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(plain.getBytes(StandardCharsets.US_ASCII));
  }

  @Test
  void shouldReadBackTheTimeToTheMicrosecondAndTheId() {
    Instant at = Instant.parse("2026-12-04T21:30:00.123456Z");

    PageCursor<UUID> back = PageCursor.decode(new PageCursor<>(at, ID).encode(), UUID::fromString);

    assertThat(back).isEqualTo(new PageCursor<>(at, ID));
    assertThat(PageCursor.decode(new PageCursor<>(at, 42L).encode(), Long::valueOf).id())
        .isEqualTo(42L);
  }

  @Test
  void shouldSpellAPositionAsMicrosecondsSinceTheEpochAndTheId() {
    assertThat(new PageCursor<>(Instant.parse("1970-01-01T00:00:01.000002Z"), 7L).encode())
        .isEqualTo(encoded("1000002.7"));
  }

  /** Times come from PostgreSQL's clock; a cursor may name any it can store, none beyond. */
  @Test
  void shouldTakeBothEndsOfTheTimesItMayName() {
    assertThat(PageCursor.decode(encoded("0.7"), Long::valueOf).at()).isEqualTo(Instant.EPOCH);
    assertThat(PageCursor.decode(encoded(LATEST_MICROS + ".7"), Long::valueOf).at())
        .isEqualTo(Times.LATEST);
  }

  @Test
  void shouldRefuseACursorItCouldNotHaveIssued() {
    String afterLatest = encoded((LATEST_MICROS + 1) + ".7");
    for (String forged :
        new String[] {
          "not base64!",
          encoded("-1.7"),
          afterLatest,
          encoded("7"),
          encoded("x.7"),
          encoded("1000." + ID),
          ""
        }) {
      assertThatThrownBy(() -> PageCursor.decode(forged, Long::valueOf))
          .as(forged)
          .isInstanceOf(InvalidCursorException.class);
    }
  }
}
