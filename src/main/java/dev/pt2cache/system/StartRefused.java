package dev.pt2cache.system;

import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.Ordered;

/**
 * Shows an operator why the service refused to start ({@link StartRefusedException}) as Spring
 * Boot's short "APPLICATION FAILED TO START" report: what is wrong, then what to do, in the
 * exception's own words. Without it, what an instance printed last was a stack trace of 60 to 200
 * lines, whose first line named the bean that failed and whose message sat between two runs of
 * frames (docs/adr/0025, "When it will not start").
 */
public class StartRefused implements FailureAnalyzer, Ordered {

  @Override
  public FailureAnalysis analyze(Throwable failure) {
    for (Throwable cause : Causes.chain(failure)) {
      if (cause instanceof StartRefusedException refused) {
        return new FailureAnalysis(refused.problem(), refused.action(), refused);
      }
    }
    return null;
  }

  /** Before Spring's own analyzers, which would describe the bean that failed instead. */
  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE;
  }
}
