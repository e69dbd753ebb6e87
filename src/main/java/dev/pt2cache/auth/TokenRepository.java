package dev.pt2cache.auth;

import dev.pt2cache.system.Caller;
import dev.pt2cache.system.PageCursor;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Tokens in PostgreSQL, found by the SHA-256 of their secret. */
@Repository
class TokenRepository {

  private static final String COLUMNS =
      "id, name, namespace, role, created_at, expires_at, revoked_at, made_by, made_by_id,"
          + " revoked_by, revoked_by_id";

  private final JdbcClient jdbc;

  TokenRepository(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** Stores a new token; false when a live token already has that name. */
  boolean insert(ApiToken token, String sha256) {
    return jdbc.sql(
                """
                insert into api_token (id, name, token_sha256, namespace, role, created_at,
                                       expires_at, made_by, made_by_id)
                values (:id, :name, :sha256, :namespace, :role, :createdAt, :expiresAt, :madeBy,
                        :madeById)
                on conflict (name) where revoked_at is null do nothing
                """)
            .param("id", token.id())
            .param("name", token.name())
            .param("sha256", sha256)
            .param("namespace", token.namespace())
            .param("role", token.role().wireName())
            .param("createdAt", Timestamp.from(token.createdAt()))
            .param("expiresAt", timestamp(token.expiresAt()))
            .param("madeBy", token.madeBy())
            .param("madeById", token.madeById())
            .update()
        == 1;
  }

  Optional<ApiToken> findBySha256(String sha256) {
    return jdbc.sql("select " + COLUMNS + " from api_token where token_sha256 = ?")
        .param(sha256)
        .query(TokenRepository::token)
        .optional();
  }

  Optional<ApiToken> findById(UUID id) {
    return jdbc.sql("select " + COLUMNS + " from api_token where id = ?")
        .param(id)
        .query(TokenRepository::token)
        .optional();
  }

  /**
   * A page of tokens, newest first, ties in time broken by id, those after {@code after} (null for
   * the first page).
   */
  List<ApiToken> page(PageCursor<UUID> after, int limit) {
    String sql =
        "select "
            + COLUMNS
            + " from api_token"
            + (after == null ? "" : " where (created_at, id) < (:at, :id)")
            + " order by created_at desc, id desc limit :limit";
    JdbcClient.StatementSpec statement = jdbc.sql(sql).param("limit", limit);
    if (after != null) {
      statement =
          statement.param("at", after.at().atOffset(ZoneOffset.UTC)).param("id", after.id());
    }
    return statement.query(TokenRepository::token).list();
  }

  /**
   * Marks a token revoked by the caller's token (once; a second revocation keeps the first time and
   * the first revoker: every expression reads the row as it was before the update).
   */
  Optional<Revocation> revoke(UUID id, Caller.Token by) {
    return jdbc.sql(
            """
            update api_token
               set revoked_at = coalesce(revoked_at, now()),
                   revoked_by = case when revoked_at is null then :by else revoked_by end,
                   revoked_by_id = case when revoked_at is null then :byId else revoked_by_id end
             where id = :id
            """
                + " returning "
                + COLUMNS
                // set by this statement: an earlier revocation's transaction began before now()
                + ", revoked_at = now() as revoked_now")
        .param("id", id)
        .param("by", by.name())
        .param("byId", by.id(), Types.OTHER)
        .query((rs, row) -> new Revocation(token(rs, row), rs.getBoolean("revoked_now")))
        .optional();
  }

  /** The token as revoked, and whether this call revoked it (not an earlier one). */
  record Revocation(ApiToken token, boolean now) {}

  private static ApiToken token(ResultSet rs, int row) throws SQLException {
    return new ApiToken(
        rs.getObject("id", UUID.class),
        rs.getString("name"),
        rs.getString("namespace"),
        Role.of(rs.getString("role")),
        rs.getTimestamp("created_at").toInstant(),
        instant(rs.getTimestamp("expires_at")),
        instant(rs.getTimestamp("revoked_at")),
        rs.getString("made_by"),
        rs.getObject("made_by_id", UUID.class),
        rs.getString("revoked_by"),
        rs.getObject("revoked_by_id", UUID.class));
  }

  private static Instant instant(Timestamp timestamp) {
    return timestamp == null ? null : timestamp.toInstant();
  }

  private static Timestamp timestamp(Instant instant) {
    return instant == null ? null : Timestamp.from(instant);
  }
}
