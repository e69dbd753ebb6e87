package dev.pt2cache.artifact;

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
 */
@Component
class UploadLeases {

  /** The upload holding a key's lease, and how long the lease still runs. */
  record Lease(String sha256, Duration left) {}

  private static final String HOLDER =
      """
      select sha256,
             extract(epoch from (reserved_at + make_interval(secs => ?) - now())) as seconds_left
        from artifact
       where namespace = ? and kind = ? and cache_key = ?
         and state = 'PENDING' and upload_expires_at > now()
       order by reserved_at, id
       limit 1
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
    return jdbc.sql(HOLDER)
        .params(properties.inFlightLease().toMillis() / 1000.0, namespace, kind.wireName(), key)
        .query(
            (rs, row) ->
                new Lease(
                    rs.getString("sha256"),
                    Duration.ofMillis(Math.round(rs.getDouble("seconds_left") * 1000))))
        .optional()
        .filter(lease -> !lease.left().isNegative() && !lease.left().isZero());
  }
}
