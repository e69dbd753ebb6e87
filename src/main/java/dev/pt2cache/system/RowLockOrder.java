package dev.pt2cache.system;

import java.util.Comparator;
import java.util.UUID;

/**
 * The one order in which a transaction that writes several rows of a table keyed by a {@code uuid}
 * takes their locks: PostgreSQL's own {@code order by id}. Two writers that lock rows in one order
 * wait for each other; two that lock them in different orders can deadlock (40P01), and one of them
 * is rolled back (docs/adr/0006, "Row locks in id order").
 *
 * <p>PostgreSQL compares {@code uuid} values as 16 unsigned bytes, most significant first. Java's
 * {@link UUID#compareTo} compares the two halves as <em>signed</em> longs, which puts every id
 * whose first hex digit is 8 to f before those starting 0 to 7: a {@code TreeMap<UUID, ...>} is not
 * in the database's order.
 */
public final class RowLockOrder {

  /** PostgreSQL's order of {@code uuid} values. */
  public static final Comparator<UUID> BY_ID =
      Comparator.comparing(UUID::getMostSignificantBits, Long::compareUnsigned)
          .thenComparing(UUID::getLeastSignificantBits, Long::compareUnsigned);

  private RowLockOrder() {}
}
