package dev.pt2cache.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pt2cache.blob.ByteRange;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ContentRequestsTest {

  static final String SHA = "5f68975d6dd3556aa50bf983046bb00b34e52b945fc6385982dd106e7f41b319";

  @Nested
  class IfNoneMatch {

    @Test
    void shouldMatchTheQuotedDigestAmongOthersAndWeakOnes() {
      assertThat(ContentRequests.notModified("\"" + SHA + "\"", SHA)).isTrue();
      assertThat(ContentRequests.notModified("\"other\", W/\"" + SHA + "\"", SHA)).isTrue();
      assertThat(ContentRequests.notModified("*", SHA)).isTrue();
    }

    @Test
    void shouldNotMatchOtherTagsOrTheUnquotedDigest() {
      assertThat(ContentRequests.notModified(null, SHA)).isFalse();
      assertThat(ContentRequests.notModified("\"other\"", SHA)).isFalse();
      assertThat(ContentRequests.notModified(SHA, SHA)).isFalse();
    }
  }

  @Nested
  class Range {

    @Test
    void shouldResolveFirstLastSuffixAndOpenRanges() {
      assertThat(ContentRequests.range("bytes=0-9", 100)).isEqualTo(new ByteRange(0, 9));
      assertThat(ContentRequests.range("bytes=90-", 100)).isEqualTo(new ByteRange(90, 99));
      assertThat(ContentRequests.range("bytes=-10", 100)).isEqualTo(new ByteRange(90, 99));
      assertThat(ContentRequests.range("bytes=50-500", 100)).isEqualTo(new ByteRange(50, 99));
    }

    @Test
    void shouldServeEverythingForNoMalformedOrSeveralRanges() {
      assertThat(ContentRequests.range(null, 100)).isNull();
      assertThat(ContentRequests.range("pages=1-2", 100)).isNull();
      assertThat(ContentRequests.range("bytes=0-1,5-6", 100)).isNull();
    }

    @Test
    void shouldRefuseARangeBeyondTheEnd() {
      assertThatThrownBy(() -> ContentRequests.range("bytes=100-", 100))
          .isInstanceOf(RangeNotSatisfiableException.class);
    }
  }
}
