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
    return bean instanceof HikariDataSource pool && millis > 0
        ? new AnswerWait.Bounding(pool, millis)
        : bean;
  }
}
