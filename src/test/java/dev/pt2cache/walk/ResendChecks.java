package dev.pt2cache.walk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.walk.History.Call;
import dev.pt2cache.walk.History.Op;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What calls sent again with their {@code Idempotency-Key} may answer: an invalidation's key
 * records once, each of its answers naming that record; a content PUT that was answered ready, sent
 * again with its bytes, is answered that artifact again, or refused only as a GET would refuse it
 * since (retired, or its reservation superseded by the identical upload it joined: {@code 404}, as
 * the first answer's id already said).
 */
final class ResendChecks {

  private final CallQueries queries;
  private final List<Call> calls;

  ResendChecks(CallQueries queries) {
    this.queries = queries;
    this.calls = queries.calls;
  }

  void all() {
    keyRecordsOnce();
    calls.stream()
        .filter(c -> c.op == Op.SEND && c.resendOf != null && c.resendOf.status == 200)
        .forEach(this::contentAgain);
  }

  private void keyRecordsOnce() {
    Map<String, List<Call>> byKey =
        calls.stream()
            .filter(c -> c.idemKey != null && (c.op == Op.INVALIDATE || c.op == Op.BLOCK))
            .filter(Call::ok)
            .collect(Collectors.groupingBy(c -> c.ns + " " + c.idemKey));
    byKey.forEach(
        (key, answered) -> {
          assertThat(answered.stream().map(c -> c.id).distinct())
              .as("%s answered more than one record: %s", key, answered)
              .hasSize(1);
          assertThat(answered.stream().filter(c -> c.status == 201))
              .as("%s recorded more than once: %s", key, answered)
              .hasSizeLessThanOrEqualTo(1);
        });
  }

  private void contentAgain(Call c) {
    Call first = c.resendOf;
    if (c.wrongBytes || c.storeFailed) {
      return;
    }
    boolean retiredSince =
        queries.retiringAfter(c.ns, first.start).stream().anyMatch(x -> x.start < c.end);
    switch (c.status) {
      case 200 -> {
        assertThat(c.answerId).as("%s: not what %s answered", c, first).isEqualTo(first.answerId);
        assertThat(c.answerSha).as("%s", c).isEqualTo(first.answerSha);
      }
      case 404 ->
          assertThat(!first.answerId.equals(c.id) || retiredSince)
              .as("%s: its own ready artifact, answered %s, gone", c, first)
              .isTrue();
      case 410 ->
          assertThat(retiredSince).as("%s: retired, but nothing could since %s", c, first).isTrue();
      default ->
          throw new AssertionError(
              "%s: bytes answered ready by %s sent again answered otherwise: %s"
                  .formatted(c, first, c.text));
    }
  }
}
