package dev.pt2cache.blob;

import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.context.annotation.DependsOn;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Checks at start, before the service takes any request, that the bucket is this database's: the
 * database keeps a marker (V7) and the store keeps the same value at {@link BlobStore#MARKER_KEY}.
 * An instance given another bucket would take every object it cannot find for lost content, and
 * retire the artifacts a download finds missing; one given another database would take the bucket's
 * objects for orphans. Either refuses to start, saying why (docs/adr/0021).
 *
 * <p>The first start of a deployment (or the first after upgrading to V7) writes the marker into
 * the store, then records in the database that it did; until then any instance may write it, the
 * same value each time.
 */
@Component
@DependsOn("flywayInitializer")
class DeploymentMarker implements InitializingBean {

  private static final Logger log = LoggerFactory.getLogger(DeploymentMarker.class);

  /** What the store's copy of the marker calls for. */
  enum Decision {
    /** The store holds this database's marker. */
    MATCHES,
    /** Nobody has written the marker yet: write it. */
    WRITE
  }

  private final JdbcClient jdbc;
  private final BlobStore store;

  DeploymentMarker(JdbcClient jdbc, BlobStore store) {
    this.jdbc = jdbc;
    this.store = store;
  }

  @Override
  public void afterPropertiesSet() {
    jdbc.sql("insert into deployment (store_marker) values (?) on conflict do nothing")
        .param(UUID.randomUUID())
        .update();
    Row row =
        jdbc.sql("select store_marker, marker_written from deployment where id = 1")
            .query((rs, n) -> new Row(rs.getString(1), rs.getBoolean(2)))
            .single();
    Optional<String> stored = store.readMarker();
    if (decide(row.marker(), row.written(), stored) == Decision.WRITE) {
      store.writeMarker(row.marker());
      log.info("deployment marker {} written to the store", row.marker());
    }
    if (!row.written()) {
      jdbc.sql("update deployment set marker_written = true where id = 1").update();
    }
  }

  private record Row(String marker, boolean written) {}

  /**
   * What to do, from the database's marker, whether it was written to the store before, and the
   * store's copy. Throws {@link WrongStoreException} when the two cannot belong together.
   */
  static Decision decide(String marker, boolean written, Optional<String> stored) {
    if (stored.isPresent()) {
      if (stored.get().equals(marker)) {
        return Decision.MATCHES;
      }
      throw new WrongStoreException(
          ("the bucket belongs to another deployment: it holds marker %s at %s, this database's"
                  + " marker is %s. Check that PT2CACHE_S3_BUCKET and PT2CACHE_DB_URL name one"
                  + " deployment's bucket and database.")
              .formatted(stored.get(), BlobStore.MARKER_KEY, marker));
    }
    if (written) {
      throw new WrongStoreException(
          ("the bucket holds no deployment marker at %s, but this database's (%s) was written to"
                  + " its bucket before: this is another bucket, or one emptied. Check"
                  + " PT2CACHE_S3_BUCKET. To adopt this bucket on purpose (its artifacts' content"
                  + " will be found missing and retired), put %s into %s.")
              .formatted(BlobStore.MARKER_KEY, marker, marker, BlobStore.MARKER_KEY));
    }
    return Decision.WRITE;
  }
}
