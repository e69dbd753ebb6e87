package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pt2cache.support.LastLogLines;
import dev.pt2cache.support.ServiceInstances;
import dev.pt2cache.support.ServiceTest;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * An instance that refuses to start on purpose ends its log with what is wrong and what to do, as
 * Spring Boot's "APPLICATION FAILED TO START" report, not a stack trace to dig through. Measured by
 * hand before (the packaged jar, plain-text log): the refusal's words sat inside a 60 to 200-line
 * stack trace, after "Application run failed" and the bean that failed. A {@link ServiceTest}: its
 * instance has written this deployment's marker, which another bucket lacks.
 */
@ExtendWith(OutputCaptureExtension.class)
class StartRefusedTest extends ServiceTest {

  @Test
  void shouldSayWhichSettingIsRefusedAndWhatToDoWithoutAStackTrace(CapturedOutput output) {
    assertThatThrownBy(() -> ServiceInstances.start(Map.of("PT2CACHE_GRACE", "3600")).close())
        .hasStackTraceContaining("PT2CACHE_GRACE=3600");

    assertThat(LastLogLines.of(output))
        .contains("APPLICATION FAILED TO START")
        .contains("PT2CACHE_GRACE=3600 has no unit, and would be read as milliseconds")
        .contains("Action:")
        .contains("Set each as it says and start again")
        .doesNotContain("\tat ")
        .doesNotContain("Application run failed");
  }

  @Test
  void shouldSayThatThePartBuffersAreMoreThanTheHeapAndWhatToLower(CapturedOutput output) {
    assertThatThrownBy(
            () ->
                ServiceInstances.start(Map.of("PT2CACHE_S3_MAX_CONCURRENT_PUTS", "2147483647"))
                    .close())
        .hasStackTraceContaining("more than this JVM's heap");

    assertThat(LastLogLines.of(output))
        .contains("APPLICATION FAILED TO START")
        .contains("PT2CACHE_S3_MAX_CONCURRENT_PUTS (2147483647) part buffers")
        .contains("Action:")
        .contains("give the JVM more heap (-Xmx)")
        .doesNotContain("\tat ");
  }

  @Test
  void shouldSayThatTheBucketIsAnotherDeploymentsAndWhichSettingToCheck(CapturedOutput output) {
    String other = "other-" + UUID.randomUUID().toString().substring(0, 8);
    assertThatThrownBy(
            () ->
                ServiceInstances.start(
                        Map.of(
                            "PT2CACHE_S3_BUCKET", other, "PT2CACHE_HOUSEKEEPING_ENABLED", "false"))
                    .close())
        .hasRootCauseInstanceOf(StartRefusedException.class);

    assertThat(LastLogLines.of(output))
        .contains("APPLICATION FAILED TO START")
        .contains("the bucket holds no deployment marker at")
        .contains("Action:")
        .contains("Check PT2CACHE_S3_BUCKET")
        .doesNotContain("\tat ")
        .doesNotContain("Application run failed");
  }

  @Nested
  class Analysis {

    final StartRefused analyzer = new StartRefused();

    @Test
    void shouldTellTheRefusalsProblemAndActionApartFromTheBeanThatFailed() {
      StartRefusedException refused =
          new StartRefusedException("PT2CACHE_X=1 is wrong.", "Give 2.");
      FailureAnalysis analysis =
          analyzer.analyze(new BeanCreationException("deploymentMarker", "failed", refused));

      assertThat(analysis.getDescription()).isEqualTo("PT2CACHE_X=1 is wrong.");
      assertThat(analysis.getAction()).isEqualTo("Give 2.");
      assertThat(analysis.getCause()).isSameAs(refused);
      assertThat(refused).hasMessage("PT2CACHE_X=1 is wrong. Give 2.");
    }

    @Test
    void shouldLeaveOtherFailuresToSpringsAnalyzers() {
      assertThat(analyzer.analyze(new IllegalStateException("something else"))).isNull();
    }
  }
}
