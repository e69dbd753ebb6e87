package dev.pt2cache.support;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/** The lines the service logs while it is open: what an operator reads, level and logger with. */
public final class LogLines implements AutoCloseable {

  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

  private LogLines() {
    lines.start();
    root.addAppender(lines);
  }

  public static LogLines capture() {
    return new LogLines();
  }

  /** The lines at WARN or above so far. */
  public List<ILoggingEvent> warnings() {
    synchronized (lines) {
      return lines.list.stream()
          .filter(line -> line.getLevel().isGreaterOrEqual(Level.WARN))
          .toList();
    }
  }

  /**
   * The messages of the lines at WARN or above of loggers whose name starts with {@code prefix}.
   */
  public List<String> warnings(String prefix) {
    return warnings().stream()
        .filter(line -> line.getLoggerName().startsWith(prefix))
        .map(ILoggingEvent::getFormattedMessage)
        .toList();
  }

  /** The messages of the lines at exactly this level of the logger of this name. */
  public List<String> messages(Level level, String logger) {
    synchronized (lines) {
      return lines.list.stream()
          .filter(line -> line.getLevel().equals(level) && line.getLoggerName().equals(logger))
          .map(ILoggingEvent::getFormattedMessage)
          .toList();
    }
  }

  @Override
  public void close() {
    root.detachAppender(lines);
  }
}
