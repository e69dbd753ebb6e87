package dev.pt2cache.system;

/**
 * The service refuses to start on purpose, and says what is wrong and what to do: settings it would
 * misread (docs/adr/0025), a bucket and database of two deployments (0021), a PostgreSQL it does
 * not run on (0031). Its message is both parts; {@link StartRefused} shows them to the operator as
 * the failure's description and action, in place of Spring's stack trace.
 */
public class StartRefusedException extends IllegalStateException {

  private final String problem;
  private final String action;

  public StartRefusedException(String problem, String action) {
    this(problem, action, null);
  }

  public StartRefusedException(String problem, String action, Throwable cause) {
    super(problem + " " + action, cause);
    this.problem = problem;
    this.action = action;
  }

  /** What is wrong, naming the setting or the thing found. */
  public String problem() {
    return problem;
  }

  /** What the operator does about it. */
  public String action() {
    return action;
  }
}
