package dev.pt2cache.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pt2cache.blob.ByteRange;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.context.request.ServletWebRequest;

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

    /**
     * Spring MVC checks a 200 answer's ETag against If-None-Match again and turns it into a 304
     * without closing its body: every header it reads as a match must be one this check answered
     * 304 for before the store was opened, or each such request keeps a store connection for good.
     */
    @Test
    void shouldAnswerNotModifiedWhereverSpringWould() {
      String etag = "\"" + SHA + "\"";
      List<String> matchedBySpring = new ArrayList<>();
      for (String header :
          new String[] {
            etag,
            "W/" + etag,
            "w/" + etag,
            etag + ";",
            " " + etag + " ",
            "\"other\", w/" + etag,
            "\"other\",w/" + etag + ",x",
            "\"other\"",
            SHA,
            "*",
            "\"" + SHA.substring(1) + "\""
          }) {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/content");
        request.addHeader("If-None-Match", header);
        boolean spring =
            new ServletWebRequest(request, new MockHttpServletResponse()).checkNotModified(etag);
        if (spring) {
          matchedBySpring.add(header);
          assertThat(ContentRequests.notModified(header, SHA)).as(header).isTrue();
        }
      }
      // the loop checks only what Spring matched: it must have matched at least these
      assertThat(matchedBySpring).contains(etag, "W/" + etag, "w/" + etag);
    }

    @Test
    void shouldNotMatchOtherTagsOrTheUnquotedDigest() {
      assertThat(ContentRequests.notModified(null, SHA)).isFalse();
      assertThat(ContentRequests.notModified("\"other\"", SHA)).isFalse();
      assertThat(ContentRequests.notModified(SHA, SHA)).isFalse();
    }
  }

  /**
   * If-Range (RFC 9110 13.1.5): a range of other content spliced onto a client's prefix of the old
   * would be a corrupt artifact, so only the content's own tag, strongly, lets a range through.
   */
  @Nested
  class IfRange {

    @Test
    void shouldHonourARangeWithoutIfRangeOrUnderTheContentsOwnTag() {
      assertThat(ContentRequests.sameContent(null, SHA)).isTrue();
      assertThat(ContentRequests.sameContent("\"" + SHA + "\"", SHA)).isTrue();
      assertThat(ContentRequests.sameContent(" \"" + SHA + "\" ", SHA)).isTrue();
    }

    @Test
    void shouldServeEverythingUnderAnotherTagAWeakTagADateOrAWildcard() {
      assertThat(ContentRequests.sameContent("\"other\"", SHA)).isFalse();
      assertThat(ContentRequests.sameContent("W/\"" + SHA + "\"", SHA)).isFalse();
      assertThat(ContentRequests.sameContent("Wed, 21 Oct 2015 07:28:00 GMT", SHA)).isFalse();
      assertThat(ContentRequests.sameContent("*", SHA)).isFalse();
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
      assertThat(ContentRequests.range("bytes=99-99", 100))
          .as("the last byte alone")
          .isEqualTo(new ByteRange(99, 99));
      assertThat(ContentRequests.range("bytes=-1", 100)).isEqualTo(new ByteRange(99, 99));
    }

    @Test
    void shouldServeEverythingForNoMalformedOrSeveralRanges() {
      assertThat(ContentRequests.range(null, 100)).isNull();
      assertThat(ContentRequests.range("pages=1-2", 100)).isNull();
      assertThat(ContentRequests.range("bytes=0-1,5-6", 100)).isNull();
      assertThat(ContentRequests.range("bytes=0-0", 0)).as("empty content").isNull();
    }

    @Test
    void shouldCountBothEndsOfARangeAndRefuseOneBackwardsOrBeforeTheStart() {
      assertThat(new ByteRange(0, 0).length()).isEqualTo(1);
      assertThat(new ByteRange(90, 99).length()).isEqualTo(10);
      assertThatThrownBy(() -> new ByteRange(5, 4)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> new ByteRange(-1, 4)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldRefuseARangeBeyondTheEnd() {
      assertThatThrownBy(() -> ContentRequests.range("bytes=100-", 100))
          .isInstanceOf(RangeNotSatisfiableException.class);
    }

    @Test
    void shouldRefuseARangeStartingPastAnyLong() {
      for (String header :
          List.of(
              "bytes=99999999999999999999-",
              "bytes=9223372036854775808-",
              "bytes=9223372036854775807-", // the longest long, parsed by Spring
              "BYTES = 99999999999999999999 - 99999999999999999999")) {
        assertThatThrownBy(() -> ContentRequests.range(header, 100))
            .as(header)
            .isInstanceOf(RangeNotSatisfiableException.class);
      }
    }

    @Test
    void shouldIgnoreTooLongNumbersElsewhere() {
      // a last position past any long covers the rest, which the whole answer is; a suffix longer
      // than the content is all of it; a last position before the first makes the range invalid
      assertThat(ContentRequests.range("bytes=0-99999999999999999999", 100)).isNull();
      assertThat(ContentRequests.range("bytes=-99999999999999999999", 100)).isNull();
      assertThat(ContentRequests.range("bytes=99999999999999999999-5", 100)).isNull();
    }
  }
}
