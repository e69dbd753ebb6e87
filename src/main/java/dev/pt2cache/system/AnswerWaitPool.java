package dev.pt2cache.system;

import com.zaxxer.hikari.HikariDataSource;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Wraps the requests' pool so that each connection a request takes waits at most {@code
 * PT2CACHE_DB_ANSWER_WAIT} for PostgreSQL's answers ({@link AnswerWait}). The pool stays the
 * wrapper's target: what looks for HikariCP behind it (metrics, the readiness check) unwraps it.
 */
@Component
class AnswerWaitPool implements BeanPostProcessor, EnvironmentAware {

  private int millis;

  @Override
  public void setEnvironment(Environment environment) {
    millis = AnswerWait.millis(AnswerWait.configured(environment));
  }

  @Override
  public Object postProcessAfterInitialization(Object bean, String beanName) {
    if (bean instanceof HikariDataSource pool) {
      loginWithin(pool);
    }
    return bean instanceof HikariDataSource pool && millis > 0
        ? new AnswerWait.Bounding(pool, millis)
        : bean;
  }

  /**
   * Bounds pgjdbc's login by the connection wait ({@code PT2CACHE_DB_CONNECTION_WAIT_MS}), in whole
   * seconds rounded up, as pgjdbc counts it. HikariCP's wait does not end a login the driver has
   * begun: a PostgreSQL that took the connection and said nothing held the start's first connection
   * (still waiting after 40 s), and each of the pool's own attempts, for as long. A {@code
   * loginTimeout} in the JDBC URL wins.
   */
  private static void loginWithin(HikariDataSource pool) {
    if (pool.getDataSourceProperties().getProperty("loginTimeout") == null) {
      long seconds = Math.max(1, (pool.getConnectionTimeout() + 999) / 1000);
      pool.addDataSourceProperty("loginTimeout", String.valueOf(seconds));
    }
  }
}
