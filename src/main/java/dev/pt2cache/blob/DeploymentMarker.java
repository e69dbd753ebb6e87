package dev.pt2cache.blob;

import dev.pt2cache.system.LockWait;
import dev.pt2cache.system.SqlCauses;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.context.annotation.DependsOn;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Checks at start, before the service takes any request, that the bucket is this database's: the
 * database keeps a marker (V7) and the store keeps the same value at {@link BlobStore#MARKER_KEY}.
 * An instance given another bucket would take every object it cannot find for lost content, and
 * retire the artifacts a download finds missing; one given another database would take the bucket's
 * objects for orphans. Either refuses to start, saying why (docs/adr/0021).
 *
 * <p>The first start of a deployment (or the first after upgrading to V7) writes the marker into
 * the store, once the bucket looks like this database's (it holds the newest blobs the database
 * records, or no blob where the database records none), and records in the database that it did.
 *
 * <p>While the service runs, {@link #heldByStore()} asks again, before anything takes an object it
 * cannot find for lost content: a bucket emptied or replaced under running instances.
 */
@Component
@DependsOn("flywayInitializer")
public class DeploymentMarker implements InitializingBean {

  private static final Logger log = LoggerFactory.getLogger(DeploymentMarker.class);

  /** What the store's copy of the marker calls for. */
  enum Decision {
    /** The store holds this database's marker. */
    MATCHES,
    /** Nobody has written the marker yet: write it. */
    WRITE
  }

  /** How many of the newest blobs a first start looks for in the bucket. */
  private static final int SAMPLE = 5;

  private final JdbcClient jdbc;
  private final BlobStore store;
  private final TransactionTemplate transactions;
  private final LockWait lockWait;

  DeploymentMarker(
      JdbcClient jdbc, BlobStore store, TransactionTemplate transactions, LockWait lockWait) {
    this.jdbc = jdbc;
    this.store = store;
    this.transactions = transactions;
    this.lockWait = lockWait;
  }

  /**
   * Until the marker is written, in one transaction, under the marker's row lock: instances that
   * start together check one after the other, so only the first can write the marker, and the
   * others compare with it. A start waits for that lock as long as any write waits for one ({@link
   * LockWait}), not for as long as its holder: a start frozen while holding it kept every other
   * start waiting until their start probes ended them. Once the row says the marker is written
   * (committed, and never unset by the service), a start only compares, without the lock or the
   * insert: every start took both before, so a session left on that row stopped every start, and
   * each start needed a writable database.
   */
  @Override
  public void afterPropertiesSet() {
    // a bucket that is not there at all is said as such, not as one without a marker
    store.checkAvailable();
    Optional<Row> written = row("").filter(Row::written);
    if (written.isPresent()) {
      // written for good: nothing left to write, so nothing to take turns for (docs/adr/0025)
      decide(written.get().marker(), true, store.readMarker());
      return;
    }
    // committed on its own, before anything can fail: the marker a refusal names, or one written
    // to the store by a start that died before it finished, is the one the next start reads
    jdbc.sql("insert into deployment (store_marker) values (?) on conflict do nothing")
        .param(UUID.randomUUID())
        .update();
    try {
      transactions.executeWithoutResult(
          status -> {
            lockWait.bound();
            check();
          });
    } catch (DataAccessException e) {
      if (!lockNotAvailable(e)) {
        throw e;
      }
      throw new MarkerRowHeldException(
          ("the deployment marker's row (table deployment) stayed locked for longer than"
                  + " PT2CACHE_DB_LOCK_WAIT (%s), held by %s: another instance's start frozen while"
                  + " it checked the marker, or a session left open on that row.")
              .formatted(lockWait.setting(), markerRowHolder()),
          "End that session (pg_terminate_backend) or let it finish, and start again.",
          e);
    }
  }

  /**
   * The session that holds the marker's row, as {@code pg_stat_activity} shows it: the transaction
   * that locked the row is the row's {@code xmax}. Said as well as can be, never failing the start
   * for another reason.
   */
  private String markerRowHolder() {
    try {
      return jdbc.sql(
              """
              select format('pid %s (application_name %L, client %s, %s since %s)', pid,
                            application_name, coalesce(host(client_addr), 'local'), state,
                            xact_start)
                from pg_stat_activity
               where backend_xid = (select xmax from deployment where id = 1)
              """)
          .query(String.class)
          .optional()
          .orElse("a session pg_stat_activity does not show (look for pid in pg_locks)");
    } catch (DataAccessException e) {
      return "a session that could not be named (" + e.getMessage() + ")";
    }
  }

  /** PostgreSQL's {@code lock_not_available}: a lock wait ended by {@code lock_timeout}. */
  private static boolean lockNotAvailable(Throwable failure) {
    return SqlCauses.first(failure, Set.of("55P03")).isPresent();
  }

  /**
   * Whether the store still holds this database's marker. False when a bucket was emptied, replaced
   * by another deployment's, or restored from a copy without {@link BlobStore#MARKER_KEY} while
   * instances run; a store that cannot be read throws, as for any store call.
   */
  public boolean heldByStore() {
    String marker =
        jdbc.sql("select store_marker::text from deployment where id = 1")
            .query(String.class)
            .single();
    return store.readMarker().filter(stored -> sameMarker(stored, marker)).isPresent();
  }

  /** The marker's row, read as it is or locked ({@code lock}: " for update"). */
  private Optional<Row> row(String lock) {
    return jdbc.sql("select store_marker, marker_written from deployment where id = 1" + lock)
        .query((rs, n) -> new Row(rs.getString(1), rs.getBoolean(2)))
        .optional();
  }

  private void check() {
    Row row = row(" for update").orElseThrow();
    if (decide(row.marker(), row.written(), store.readMarker()) == Decision.WRITE) {
      requireBlobsOfThisDatabase(row.marker());
      store.writeMarker(row.marker());
      log.info("deployment marker {} written to the store", row.marker());
    }
    if (!row.written()) {
      jdbc.sql("update deployment set marker_written = true where id = 1").update();
    }
  }

  /**
   * Before a marker is first written, the bucket must look like this database's: it holds every one
   * of the newest blobs that ready artifacts use (empty ones left out: any bucket may hold those;
   * unused ones too: housekeeping may be collecting them), or, where the database records no blob
   * at all, no blob either. This is the one check a deployment that predates the marker can have.
   */
  private void requireBlobsOfThisDatabase(String marker) {
    List<String> newest =
        jdbc.sql(
                """
                select b.sha256 from blob b
                 where b.size_bytes > 0
                   and exists (select 1 from artifact a
                                where a.sha256 = b.sha256 and a.state = 'READY')
                 order by b.created_at desc
                 limit ?
                """)
            .param(SAMPLE)
            .query(String.class)
            .list();
    List<String> absent = newest.stream().filter(sha256 -> !store.exists(sha256)).toList();
    if (!absent.isEmpty()) {
      throw new WrongStoreException(
          ("the bucket lacks %d of the %d newest blobs this database records (%s among them): it"
                  + " is not this database's bucket, or it lost them.")
              .formatted(absent.size(), newest.size(), absent.get(0)),
          "Check PT2CACHE_S3_BUCKET and PT2CACHE_DB_URL. " + adoptHint(marker));
    }
    boolean noBlobs = !jdbc.sql("select exists (select 1 from blob)").query(Boolean.class).single();
    if (noBlobs) {
      try (Stream<BlobStore.StoredObject> objects = store.list()) {
        objects
            .findAny()
            .ifPresent(
                object -> {
                  throw new WrongStoreException(
                      ("the bucket holds blobs (%s among them) but this database records none: it"
                              + " is another deployment's bucket, or this database is new.")
                          .formatted(object.sha256()),
                      "Check PT2CACHE_S3_BUCKET and PT2CACHE_DB_URL. " + adoptHint(marker));
                });
      }
    }
  }

  /** How an operator who means it takes the bucket as it is. */
  private static String adoptHint(String marker) {
    return "To use this bucket all the same, put %s into %s and start again."
        .formatted(marker, BlobStore.MARKER_KEY);
  }

  private record Row(String marker, boolean written) {}

  /**
   * What to do, from the database's marker, whether it was written to the store before, and the
   * store's copy. Throws {@link WrongStoreException} when the two cannot belong together.
   */
  static Decision decide(String marker, boolean written, Optional<String> stored) {
    if (stored.isPresent()) {
      if (sameMarker(stored.get(), marker)) {
        return Decision.MATCHES;
      }
      throw new WrongStoreException(
          "the bucket belongs to another deployment: it holds marker %s at %s, this database's marker is %s."
              .formatted(stored.get(), BlobStore.MARKER_KEY, marker),
          "Check that PT2CACHE_S3_BUCKET and PT2CACHE_DB_URL name one deployment's bucket and database."
              + (written
                  ? ""
                  : (" If this database was restored from a backup taken before the marker"
                          + " existed, give it the bucket's: update deployment set"
                          + " store_marker = '%s', marker_written = true.")
                      .formatted(stored.get())));
    }
    if (written) {
      throw new WrongStoreException(
          ("the bucket holds no deployment marker at %s, but this database's (%s) was written to"
                  + " its bucket before: this is another bucket, or one emptied.")
              .formatted(BlobStore.MARKER_KEY, marker),
          ("Check PT2CACHE_S3_BUCKET. To adopt this bucket on purpose (its artifacts' content"
                  + " will be found missing and retired), put %s into %s.")
              .formatted(marker, BlobStore.MARKER_KEY));
    }
    return Decision.WRITE;
  }

  private static boolean sameMarker(String stored, String marker) {
    try {
      return UUID.fromString(stored).equals(UUID.fromString(marker));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
