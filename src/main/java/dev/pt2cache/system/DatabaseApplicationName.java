package dev.pt2cache.system;

import com.zaxxer.hikari.HikariDataSource;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.stereotype.Component;

/**
 * Names each instance's connections in PostgreSQL ({@code application_name}, shown by {@code
 * pg_stat_activity} and in the server's log lines where {@code %a} is in {@code log_line_prefix}):
 * {@code pt2cache <host>}, the name the instance's own log lines and housekeeping runs carry. Every
 * instance showed as "PostgreSQL JDBC Driver" before, so an operator whose database had reached
 * {@code max_connections}, or who found a session holding a lock the others waited for, could not
 * tell which instance it was (ADR 0039). A name set in the JDBC URL or in {@code
 * spring.datasource.hikari.data-source-properties.ApplicationName} is kept.
 */
@Component
class DatabaseApplicationName implements BeanPostProcessor {

  /** PgJDBC's connection property for {@code application_name}. */
  static final String PROPERTY = "ApplicationName";

  /** PostgreSQL keeps this many bytes of it ({@code NAMEDATALEN} - 1) and cuts the rest. */
  private static final int LONGEST = 63;

  @Override
  public Object postProcessBeforeInitialization(Object bean, String beanName) {
    if (bean instanceof HikariDataSource pool
        && !pool.getDataSourceProperties().containsKey(PROPERTY)) {
      pool.addDataSourceProperty(PROPERTY, of("pt2cache", HostName.get()));
    }
    return bean;
  }

  /** {@code prefix host}, cut to what PostgreSQL keeps of it, so that the prefix always shows. */
  static String of(String prefix, String host) {
    String name = prefix + " " + host;
    return name.length() <= LONGEST ? name : name.substring(0, LONGEST);
  }
}
