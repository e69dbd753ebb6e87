package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import dev.pt2cache.support.ServiceTest;
import java.lang.reflect.Method;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The threads requests really run on, on the Java that runs the test: virtual threads from Java 24
 * on, as the image (Java 25) serves, and Tomcat's platform threads before (docs/adr/0052). {@link
 * VirtualThreadsDefaultTest} checks the setting the shipped configuration comes to; this, that a
 * started service follows it. Run on 17 by the main run and on 25 by the Java 25 pass
 * (docs/testing.md).
 */
class RequestThreadsTest extends ServiceTest {

  @Test
  void shouldServeOnVirtualThreadsFromJava24AndOnPlatformThreadsBefore() throws Exception {
    List<Thread> served = new CopyOnWriteArrayList<>();
    AppenderBase<ILoggingEvent> access =
        new AppenderBase<>() {
          @Override
          protected void append(ILoggingEvent line) {
            served.add(Thread.currentThread()); // the access line is logged on the request's
          }
        };
    Logger logger = (Logger) LoggerFactory.getLogger(RequestLogFilter.class);
    access.start();
    logger.addAppender(access);
    try {
      assertThat(api.get("/v1/namespaces/" + ns).status()).isEqualTo(200);
    } finally {
      logger.detachAppender(access);
    }

    boolean virtualExpected = Runtime.version().feature() >= VirtualThreadsDefault.UNPINNED_FROM;
    assertThat(served).isNotEmpty();
    for (Thread thread : served) {
      assertThat(isVirtual(thread))
          .as("request thread %s on Java %s", thread, Runtime.version())
          .isEqualTo(virtualExpected);
    }
  }

  /** Thread.isVirtual, which Java 17 (the classes' target) lacks: there, no thread is. */
  private static boolean isVirtual(Thread thread) throws ReflectiveOperationException {
    Method isVirtual;
    try {
      isVirtual = Thread.class.getMethod("isVirtual");
    } catch (NoSuchMethodException beforeJava21) {
      return false;
    }
    return (Boolean) isVirtual.invoke(thread);
  }
}
