package dev.pt2cache.walk;

import static dev.pt2cache.walk.ConcurrentSteps.ENTRY;
import static dev.pt2cache.walk.ConcurrentSteps.ENTRY_KEYS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.walk.History.Call;
import dev.pt2cache.walk.History.Op;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;

/**
 * A concurrent walk's HEAD and Range reads of artifacts and entries: a HEAD names the tag and
 * length of one of the walk's contents; a ranged GET answers that slice of the content its tag
 * names ({@code 206}), all of it where {@code If-Range} names another tag, or {@code 416} with the
 * content's length where the range starts past its end (and {@code If-Range}, if sent, names it).
 * Which content may be served at all is judged with the other reads ({@link OverlapChecks}).
 */
final class PartialReads {

  private final SharedWalk shared;
  private final CallRecorder recorder;
  private final ConcurrentSteps plain;
  private final Random random;
  private final int worker;

  PartialReads(SharedWalk shared, ConcurrentSteps plain, int worker) {
    this.shared = shared;
    this.plain = plain;
    this.recorder = plain.recorder;
    this.random = plain.random;
    this.worker = worker;
  }

  void headContent(int instance) {
    Call call = plain.onKnownArtifact(instance, Op.HEAD_CONTENT);
    if (call == null) {
      return;
    }
    ApiResponse answer =
        recorder.call(
            call,
            api -> api.head(CallRecorder.path(call.ns, "/artifacts/" + call.id + "/content")));
    CallRecorder.allowed(call, Set.of("200", "409", "410", "404"));
    if (call.status == 200) {
      headNamesAContent(call, answer);
    }
  }

  void headEntry(int instance, String ns) {
    Call call = entryCall(instance, ns, Op.HEAD_ENTRY);
    ApiResponse answer =
        recorder.call(
            call, api -> api.head(CallRecorder.path(ns, "/entries/" + ENTRY + "/" + call.key)));
    CallRecorder.allowed(call, Set.of("200", "404"));
    if (call.status == 200) {
      headNamesAContent(call, answer);
    }
  }

  void rangeContent(int instance) {
    Call call = plain.onKnownArtifact(instance, Op.RANGE_CONTENT);
    if (call != null) {
      ranged(call, "/artifacts/" + call.id + "/content");
    }
  }

  void rangeEntry(int instance, String ns) {
    Call call = entryCall(instance, ns, Op.RANGE_ENTRY);
    ranged(call, "/entries/" + ENTRY + "/" + call.key);
  }

  private Call entryCall(int instance, String ns, Op op) {
    Call call = new Call(worker, instance, op, ns);
    call.kind = ENTRY;
    call.key = ENTRY_KEYS.get(random.nextInt(2));
    return call;
  }

  /**
   * A GET with a random Range (first-last, open or suffix), under a random If-Range half the time.
   */
  private void ranged(Call call, String rest) {
    long first = random.nextInt(1300);
    long last = first + random.nextInt(400);
    long suffix = 1 + random.nextInt(1300);
    String range =
        switch (random.nextInt(3)) {
          case 0 -> "bytes=%d-%d".formatted(first, last);
          case 1 -> "bytes=%d-".formatted(first);
          default -> "bytes=-%d".formatted(suffix);
        };
    String ifRange =
        random.nextBoolean()
            ? null
            : "\"" + Fixtures.sha256(shared.contents.get(random.nextInt(3))) + "\"";
    String[] headers =
        ifRange == null
            ? new String[] {"Range", range}
            : new String[] {"Range", range, "If-Range", ifRange};
    call.node = range + (ifRange == null ? "" : " if " + ifRange.substring(1, 9));
    ApiResponse answer =
        recorder.call(call, api -> api.get(CallRecorder.path(call.ns, rest), headers));
    CallRecorder.allowed(
        call,
        Set.of(
            "200",
            "206",
            "416 range-not-satisfiable",
            "409 not-ready",
            "410 invalidated",
            "410 evicted",
            "404 artifact-not-found",
            "404 entry-not-found"));
    if (call.status == 200 || call.status == 206) {
      byte[] content = headNamesAContent(call, answer);
      boolean honoured = ifRange == null || ifRange.equals(answer.header("ETag"));
      long size = content.length;
      long from = range.startsWith("bytes=-") ? Math.max(0, size - suffix) : first;
      long to =
          range.startsWith("bytes=-") || range.endsWith("-") ? size - 1 : Math.min(last, size - 1);
      if (!honoured) {
        assertThat(call.status)
            .as("%s: If-Range names another tag: all of it", call)
            .isEqualTo(200);
        assertThat(answer.body()).as("%s", call).isEqualTo(content);
        return;
      }
      assertThat(from).as("%s: a range past the end served", call).isLessThan(size);
      assertThat(call.status).as("%s: %s", call, answer.header("Content-Range")).isEqualTo(206);
      assertThat(answer.header("Content-Range"))
          .as("%s", call)
          .isEqualTo("bytes %d-%d/%d".formatted(from, to, size));
      assertThat(answer.body())
          .as("%s: the slice of %s", call, call.answerSha)
          .isEqualTo(Arrays.copyOfRange(content, (int) from, (int) to + 1));
    }
    if (call.status == 416) {
      assertThat(range)
          .as("%s: a suffix range is never past the end", call)
          .doesNotStartWith("bytes=-");
      String whole = answer.header("Content-Range");
      assertThat(whole).as("%s", call).startsWith("bytes */");
      long size = Long.parseLong(whole.substring("bytes */".length()));
      // the walk's contents differ in length: the one refused a range is known by it
      byte[] content =
          shared.contents.stream()
              .filter(c -> c.length == size)
              .findFirst()
              .orElseThrow(() -> new AssertionError(call + ": no content of " + size + " bytes"));
      call.answerSha = Fixtures.sha256(content);
      assertThat(ifRange == null || ifRange.equals("\"" + call.answerSha + "\""))
          .as("%s: If-Range names another tag, yet the range was judged", call)
          .isTrue();
      assertThat(first).as("%s: the range starts past the end", call).isGreaterThanOrEqualTo(size);
      call.count = (int) size;
    }
  }

  /**
   * The tag (the quoted SHA-256) and length an answer gives name one of the walk's contents; that
   * content, its digest kept as what the call was served.
   */
  private byte[] headNamesAContent(Call call, ApiResponse answer) {
    String tag = answer.header("ETag");
    assertThat(tag).as("%s", call).isNotNull().startsWith("\"").endsWith("\"");
    call.answerSha = tag.substring(1, tag.length() - 1);
    byte[] content =
        shared.contents.stream()
            .filter(c -> Fixtures.sha256(c).equals(call.answerSha))
            .findFirst()
            .orElseThrow(() -> new AssertionError(call + " tagged with no content of the walk"));
    if (call.status != 206) {
      assertThat(answer.header("Content-Length"))
          .as("%s", call)
          .isEqualTo(String.valueOf(content.length));
    }
    if (call.op == Op.RANGE_CONTENT || call.op == Op.RANGE_ENTRY) {
      return content;
    }
    assertThat(answer.body()).as("%s: a HEAD has no body", call).isEmpty();
    return content;
  }
}
