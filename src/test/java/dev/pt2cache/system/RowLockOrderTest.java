package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ServiceTest;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The order in which writers of several rows lock them is PostgreSQL's own order of ids. */
class RowLockOrderTest extends ServiceTest {

  @Test
  void shouldSortIdsAsPostgresqlOrdersThem() {
    List<UUID> ids = new ArrayList<>();
    // every first hex digit, and both signs of each half, which Java's compareTo reads as signed
    IntStream.range(0, 16)
        .forEach(
            digit -> {
              ids.add(UUID.fromString("%x0000000-0000-4000-8000-000000000000".formatted(digit)));
              ids.add(UUID.fromString("%x0000000-0000-4000-0000-000000000001".formatted(digit)));
              ids.add(UUID.fromString("%x0000000-0000-4000-f000-000000000000".formatted(digit)));
            });
    IntStream.range(0, 200).forEach(i -> ids.add(UUID.randomUUID()));

    List<UUID> byPostgresql =
        jdbc.sql("select id from unnest(?::uuid[]) as ids(id) order by id")
            .param(ids.toArray(UUID[]::new))
            .query(UUID.class)
            .list();

    assertThat(ids.stream().sorted(RowLockOrder.BY_ID).toList()).isEqualTo(byPostgresql);
    assertThat(ids.stream().sorted().toList())
        .as("Java's own UUID order, which a TreeMap<UUID, ...> keeps, is another")
        .isNotEqualTo(byPostgresql);
  }
}
