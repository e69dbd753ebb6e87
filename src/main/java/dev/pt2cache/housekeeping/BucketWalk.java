package dev.pt2cache.housekeeping;

import dev.pt2cache.blob.BlobStore;
import dev.pt2cache.blob.BlobStore.StoredObject;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Lists the bucket beside the blob rows, both in digest order a page at a time, and notes in {@link
 * Findings} what does not match: objects without a row (once older than the grace period), objects
 * of another size than their row, and rows without an object. It stops once it has found more than
 * a run may change of any kind. It reads no object and changes nothing.
 */
final class BucketWalk {

  private static final int PAGE = 1000;

  private final JdbcClient jdbc;
  private final BlobStore store;

  BucketWalk(JdbcClient jdbc, BlobStore store) {
    this.jdbc = jdbc;
    this.store = store;
  }

  /**
   * What a walk begun at {@code started} finds, at most {@code limit} + 1 of each kind: rows
   * created since it began are left out, and so are objects younger than {@code grace}.
   */
  Findings walk(Instant started, Duration grace, int limit) {
    Findings found = new Findings(limit);
    Instant oldEnough = started.minus(grace);
    String after = "";
    Iterator<StoredObject> listing = store.list().iterator();
    while (listing.hasNext() && !found.tooMany()) {
      List<StoredObject> page = new ArrayList<>(PAGE);
      while (listing.hasNext() && page.size() < PAGE) {
        page.add(listing.next());
      }
      String last = page.get(page.size() - 1).sha256();
      Set<String> listed = new HashSet<>();
      page.forEach(object -> listed.add(object.sha256()));
      Map<String, Long> rows = rowsAmong(listed, started);
      for (StoredObject object : page) {
        Long size = rows.get(object.sha256());
        if (size == null && !object.lastModified().isAfter(oldEnough)) {
          found.orphan(object);
        } else if (size != null && size >= 0 && size != object.size()) {
          found.damaged(object);
        }
      }
      rowsBetween(
          after, last, started, sha256 -> found.missingUnless(listed, sha256), found::tooMany);
      found.objects += page.size();
      after = last;
    }
    if (!found.tooMany()) {
      rowsBetween(
          after, null, started, sha256 -> found.missingUnless(Set.of(), sha256), found::tooMany);
    }
    return found;
  }

  /**
   * Which of these digests have a blob row, with the recorded size, or -1 for a row created since
   * the run began (its upload may be writing the object the listing saw).
   */
  private Map<String, Long> rowsAmong(Set<String> digests, Instant started) {
    Map<String, Long> rows = new HashMap<>();
    jdbc.sql(
            """
            select sha256, case when created_at < :before then size_bytes else -1 end
              from blob where sha256 = any(:digests)
            """)
        .param("digests", digests.toArray(String[]::new))
        .param("before", Timestamp.from(started))
        .query((rs, n) -> rows.put(rs.getString(1), rs.getLong(2)))
        .list();
    return rows;
  }

  /**
   * Blob rows with digests in (after, upTo], created before a time, a page at a time until {@code
   * enough}: a bucket that lacks most of them must not bring them all into memory.
   */
  private void rowsBetween(
      String after,
      String upTo,
      Instant createdBefore,
      Consumer<String> each,
      BooleanSupplier enough) {
    String from = after;
    List<String> page;
    do {
      page =
          jdbc.sql(
                  """
                  select sha256 from blob
                   where sha256 collate "C" > :after
                     and (cast(:upTo as varchar) is null or sha256 collate "C" <= :upTo)
                     and created_at < :before
                   order by sha256 collate "C"
                   limit :page
                  """)
              .param("after", from)
              .param("upTo", upTo)
              .param("before", Timestamp.from(createdBefore))
              .param("page", PAGE)
              .query(String.class)
              .list();
      page.forEach(each);
      from = page.isEmpty() ? from : page.get(page.size() - 1);
    } while (page.size() == PAGE && !enough.getAsBoolean());
  }
}
