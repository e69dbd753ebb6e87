package dev.pt2cache.artifact;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * The lease of an upload in flight (docs/adr/0019): the first upload declared under a key, while
 * its reservation lives, holds the key for {@code in-flight-lease} from when it was reserved, by
 * the database's clock. Declaring it again, or any other upload, never extends the lease.
 *
 * <p>The clock is read as {@code statement_timestamp()}, when the statement that asks is sent:
 * under the key's lock, that is after the declaration waited for its locks. PostgreSQL's {@code
 * now()} is when the transaction began, before that wait, and a declaration that waited (for the
 * key's lock, or the rules lock while a blocking invalidation ran) saw a lease that had ended as
 * running, or one that began while it waited as running for longer than the lease.
 */
@Component
class UploadLeases {

  /** The upload holding a key's lease, and how long the lease still runs. */
  record Lease(String sha256, Duration left) {}

  private static final String HOLDER =
      """
      select sha256,
             extract(epoch from
                     (reserved_at + make_interval(secs => :lease) - statement_timestamp()))
               as seconds_left
        from artifact
       where namespace = :namespace and kind = :kind and cache_key = :key
         and state = 'PENDING' and upload_expires_at > statement_timestamp()
       order by reserved_at, id
       limit 1
      """;

  /**
   * The lease holder, in the same snapshot as what else the decision under the key's lock reads
   * first: none when the key has a ready artifact (that answers 200 or key-conflict) or when the
   * namespace stores this content ready already (that is made ready at once, leased or not).
   */
  private static final String CERTAIN_HOLDER =
      "with holder as ("
          + HOLDER
          + """
          )
          select sha256, seconds_left
            from holder
           where not exists (select 1 from artifact
                              where namespace = :namespace and kind = :kind and cache_key = :key
                                and state = 'READY')
             and not exists (select 1 from artifact
                              where namespace = :namespace and sha256 = :sha256
                                and state = 'READY')
          """;

  private final JdbcClient jdbc;
  private final UploadProperties properties;

  UploadLeases(JdbcClient jdbc, UploadProperties properties) {
    this.jdbc = jdbc;
    this.properties = properties;
  }

  /** The lease on a key, if one runs now; asked under the key's lock. */
  @Transactional(propagation = Propagation.MANDATORY)
  Optional<Lease> holder(String namespace, ArtifactKind kind, String key) {
    if (!properties.leases()) {
      return Optional.empty();
    }
    return live(lease(HOLDER, namespace, kind, key).query(UploadLeases::row).optional());
  }

  /**
   * The lease that would certainly refuse declaring this content under the key, read in one
   * statement without the key's lock (ADR 0019, amendment): another upload's lease runs, and
   * nothing that the locked decision reads before the lease (a ready artifact of the key, this
   * content stored ready in the namespace) is there. Empty whenever that is not certain, and then
   * the decision under the lock is taken as before. Taken in no transaction: the connection is held
   * for the one statement only.
   */
  Optional<Lease> refusing(String namespace, ArtifactKind kind, String key, String sha256) {
    if (!properties.leases()) {
      return Optional.empty();
    }
    return live(lease(CERTAIN_HOLDER, namespace, kind, key)
            .param("sha256", sha256)
            .query(UploadLeases::row)
            .optional())
        .filter(lease -> !lease.sha256().equals(sha256));
  }

  private JdbcClient.StatementSpec lease(
      String sql, String namespace, ArtifactKind kind, String key) {
    return jdbc.sql(sql)
        .param("lease", properties.inFlightLease().toMillis() / 1000.0)
        .param("namespace", namespace)
        .param("kind", kind.wireName())
        .param("key", key);
  }

  private static Lease row(ResultSet rs, int row) throws SQLException {
    return new Lease(
        rs.getString("sha256"), Duration.ofMillis(Math.round(rs.getDouble("seconds_left") * 1000)));
  }

  private static Optional<Lease> live(Optional<Lease> lease) {
    return lease.filter(l -> !l.left().isNegative() && !l.left().isZero());
  }
}
