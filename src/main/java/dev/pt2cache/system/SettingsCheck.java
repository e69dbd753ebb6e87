package dev.pt2cache.system;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.Environment;
import org.springframework.core.env.PropertySource;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;

/**
 * Refuses to start on settings that Spring would take and read as something else than meant.
 *
 * <ul>
 *   <li>A duration given as a bare number, or a negative one: Spring reads {@code
 *       PT2CACHE_GRACE=3600} as 3,600 milliseconds, not the hour meant, and grace, history and
 *       reservation lengths shrink a thousandfold, so housekeeping deletes what readers and uploads
 *       still use. The duration settings are found where they are declared, in the service's
 *       configuration file: each {@code ${PT2CACHE_...:default}} whose default carries a duration
 *       unit.
 *   <li>A duration over 100 years: the nanoseconds of one over 292 years overflow a long, and the
 *       start failed with "long overflow", naming nothing.
 *   <li>An interval ({@code PT2CACHE_..._INTERVAL}) of zero: a job or the hits' flush would run
 *       back to back, where Spring does not refuse it in words that do not name the variable.
 *   <li>{@code PT2CACHE_DB_CONNECTION_WAIT_MS} outside 250 to 300,000 (5 minutes): the pool reads 0
 *       as 24.8 days, and {@code 9223372036854775807} started, so a request and the readiness check
 *       would wait that long for a connection, where ADR 0024 bounds every wait on a dependency
 *       that stops answering; a wait of minutes already outlasts any client's timeout and any
 *       readiness probe.
 *   <li>{@code PT2CACHE_DB_POOL_SIZE} outside 2 to 1,000: a blocking invalidation holds two pooled
 *       connections while it retires its matches (ADR 0029), so with one it waited the connection
 *       wait for the second and failed every time, its rule left in force and nothing retired.
 *       Hikari reads 0 or less as its default of 10. At {@code 2147483647} the start hung over 10
 *       minutes, growing to 6.4 GB, as the pool filled itself; PostgreSQL takes 100 connections by
 *       default ({@code max_connections}), for all instances together, so a thousand for one is
 *       never meant.
 * </ul>
 *
 * Checked before any bean is made, so nothing runs on such a setting.
 */
@Component
class SettingsCheck implements BeanFactoryPostProcessor, EnvironmentAware {

  private static final Pattern SETTING = Pattern.compile("\\$\\{(PT2CACHE_[A-Z0-9_]+):([^}]*)}");
  private static final Pattern WITH_UNIT = Pattern.compile("-?\\d+(ns|us|ms|s|m|h|d)");
  private static final Pattern BARE_NUMBER = Pattern.compile("\\s*-?\\d{1,18}\\s*");

  private static final Duration LONGEST = Duration.ofDays(36_500);

  private static final String CONNECTION_WAIT = "spring.datasource.hikari.connection-timeout";
  private static final long MIN_CONNECTION_WAIT_MS = 250;
  private static final long MAX_CONNECTION_WAIT_MS = 300_000;
  private static final String POOL_SIZE = "spring.datasource.hikari.maximum-pool-size";
  private static final long MIN_POOL_SIZE = 2;
  private static final long MAX_POOL_SIZE = 1_000;
  private static final String SOCKET_WRITE_BUFFER = "pt2cache.http.socket-write-buffer";

  private Environment environment;

  @Override
  public void setEnvironment(Environment environment) {
    this.environment = environment;
  }

  @Override
  public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
    if (environment instanceof ConfigurableEnvironment configurable) {
      Set<String> named = new HashSet<>();
      List<String> refused = refused(configurable, named);
      // every record's refusal with these, so one start names every wrong setting, each once: a
      // record refuses a negative length too, in its own words
      SettingsRecords.refused(configurable, SettingsRecords.of(beanFactory)).stream()
          .filter(line -> named.stream().noneMatch(property -> names(line, property)))
          .forEach(refused::add);
      if (!refused.isEmpty()) {
        throw new StartRefusedException(
            String.join("; ", refused) + ".",
            "Set each as it says and start again: the service refused these settings before it"
                + " made anything (docs/adr/0025).");
      }
    }
  }

  /**
   * Whether {@code line} names {@code property} itself, not one whose name only begins with it
   * ({@code ...grace} in {@code ...grace-period}).
   */
  static boolean names(String line, String property) {
    return Pattern.compile(Pattern.quote(property) + "(?![a-z0-9-])").matcher(line).find();
  }

  /** What is wrong with each setting refused, naming its variable. */
  static List<String> refused(ConfigurableEnvironment environment) {
    return refused(environment, new HashSet<>());
  }

  /**
   * What is wrong with each setting refused, naming its variable; adds to {@code named} the
   * property of each duration refused.
   */
  private static List<String> refused(ConfigurableEnvironment environment, Set<String> named) {
    List<String> refused = new ArrayList<>();
    durationSettings(environment)
        .forEach(
            (name, property) -> {
              String value = environment.getProperty(name);
              if (value == null) {
                return;
              }
              int before = refused.size();
              // 0 is 0 in any unit
              if (BARE_NUMBER.matcher(value).matches() && Long.parseLong(value.strip()) != 0) {
                refused.add(
                    ("%s=%s has no unit, and would be read as milliseconds: give one, such as 90s,"
                            + " 30m, 1h or 7d")
                        .formatted(name, value.strip()));
              } else if (name.endsWith("_INTERVAL") && isZero(value)) {
                // a job or a flush run back to back, or Spring refuses it in its own words
                refused.add("%s=%s: an interval must be above zero".formatted(name, value.strip()));
              } else if (isOver(value, LONGEST)) {
                // nanoseconds of it overflow a long past 292 years: the warm-up and the stall
                // timeout stopped the start with "long overflow", naming nothing
                refused.add(
                    "%s=%s: give at most 36500d (100 years)".formatted(name, value.strip()));
              } else if (value.strip().startsWith("-")) {
                // no length or interval here means anything below zero; some would turn a safeguard
                // off (a negative shutdown timeout: no draining)
                refused.add("%s=%s is negative".formatted(name, value.strip()));
              }
              if (refused.size() > before) {
                named.add(property);
              }
            });
    Long wait = environment.getProperty(CONNECTION_WAIT, Long.class);
    if (wait != null && (wait < MIN_CONNECTION_WAIT_MS || wait > MAX_CONNECTION_WAIT_MS)) {
      refused.add(
          ("PT2CACHE_DB_CONNECTION_WAIT_MS=%d: give %d to %d (milliseconds); the pool reads 0 as"
                  + " waiting 24.8 days, and a request or the readiness check waits this long")
              .formatted(wait, MIN_CONNECTION_WAIT_MS, MAX_CONNECTION_WAIT_MS));
    }
    Long pool = environment.getProperty(POOL_SIZE, Long.class);
    if (pool != null && (pool < MIN_POOL_SIZE || pool > MAX_POOL_SIZE)) {
      refused.add(
          ("PT2CACHE_DB_POOL_SIZE=%d: give %d to %d; a blocking invalidation holds two"
                  + " connections while it retires its matches, and PostgreSQL takes 100 by"
                  + " default for all instances")
              .formatted(pool, MIN_POOL_SIZE, MAX_POOL_SIZE));
    }
    answerWaitUnderLockWait(environment).ifPresent(refused::add);
    socketWriteBuffer(environment).ifPresent(refused::add);
    return refused;
  }

  /**
   * Out of {@link SocketBuffers}' bounds, empty or no size: refused here with the others, not when
   * Tomcat is made, after they passed and as a stack trace (empty, a NullPointerException naming no
   * setting).
   */
  private static Optional<String> socketWriteBuffer(ConfigurableEnvironment environment) {
    String value = environment.getProperty(SOCKET_WRITE_BUFFER);
    if (value == null) {
      return Optional.empty();
    }
    try {
      if (!value.isBlank() && SocketBuffers.fits(DataSize.parse(value.strip()))) {
        return Optional.empty();
      }
    } catch (IllegalArgumentException e) {
      // no size: refused below, as one out of bounds
    }
    return Optional.of(
        ("PT2CACHE_HTTP_SOCKET_WRITE_BUFFER=%s: give a size %s (Tomcat takes 0 and never gets"
                + " a response out; it reads the size as an int)")
            .formatted(value.strip(), SocketBuffers.BOUNDS));
  }

  /**
   * A request's statement waits for a lock up to {@code PT2CACHE_DB_LOCK_WAIT} before PostgreSQL
   * answers it: an answer wait no longer than that would cut every such wait as a silent database
   * ({@code database-unavailable}) rather than a held lock ({@code database-busy}) (docs/adr/0039).
   */
  private static Optional<String> answerWaitUnderLockWait(ConfigurableEnvironment environment) {
    Duration lockWait = AnswerWait.duration(environment.getProperty("pt2cache.database.lock-wait"));
    Duration answerWait = AnswerWait.configured(environment);
    if (lockWait == null
        || answerWait == null
        || lockWait.isZero()
        || answerWait.isZero()
        || answerWait.compareTo(lockWait) > 0) {
      return Optional.empty();
    }
    return Optional.of(
        ("PT2CACHE_DB_ANSWER_WAIT=%s: give more than PT2CACHE_DB_LOCK_WAIT (%s), which a request's"
                + " statement may wait for a lock before PostgreSQL answers it, or 0s")
            .formatted(answerWait, lockWait));
  }

  /** Longer than {@code longest} as Spring reads a duration. */
  private static boolean isOver(String duration, Duration longest) {
    try {
      return DurationStyle.detectAndParse(duration.strip()).compareTo(longest) > 0;
    } catch (IllegalArgumentException | ArithmeticException e) {
      return false; // Spring refuses it in its own words
    }
  }

  /** Zero as Spring reads a duration ({@code 0}, {@code 0S}, {@code +0ms}, {@code PT0S}). */
  private static boolean isZero(String duration) {
    try {
      return DurationStyle.detectAndParse(duration.strip()).isZero();
    } catch (IllegalArgumentException e) {
      return false; // Spring refuses it in its own words
    }
  }

  /**
   * The PT2CACHE_ variables that the configuration files declare with a duration as default, each
   * with the property it sets.
   */
  private static Map<String, String> durationSettings(ConfigurableEnvironment environment) {
    Map<String, String> settings = new TreeMap<>();
    for (PropertySource<?> source : environment.getPropertySources()) {
      if (source instanceof EnumerablePropertySource<?> enumerable
          && source.getName().contains("application")) {
        for (String property : enumerable.getPropertyNames()) {
          Matcher declared = SETTING.matcher(String.valueOf(enumerable.getProperty(property)));
          while (declared.find()) {
            if (WITH_UNIT.matcher(declared.group(2).strip()).matches()) {
              settings.putIfAbsent(declared.group(1), property);
            }
          }
        }
      }
    }
    return settings;
  }
}
