package dev.pt2cache.walk;

import dev.pt2cache.support.ApiClient;
import dev.pt2cache.support.SecondInstance;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The plain concurrent walk ({@link ConcurrentWalkTest}: no lease, so uploads of other contents
 * under one key race all the time) through the slow and flaky store of {@link SlowStoreWalkTest},
 * in its weather ({@code -Dwalk.slow.weather}, {@code .pause}, {@code .cut}, {@code .slowDown},
 * {@code .pauseMaxMs}). It runs only when asked, with {@code -Dwalk.slowPlain.seeds=N} (and the
 * other {@code walk.slowPlain.*} budget properties): the suite's {@link SlowStoreWalkTest} plays
 * the plain walk's steps half of the time. 8 seeds of 4 rounds of 3 workers x 12 steps (1,235
 * calls; 49 pauses, 27 cuts, 6 SlowDowns) walked in 121 s and found nothing wrong.
 */
@EnabledIfSystemProperty(named = "walk.slowPlain.seeds", matches = "[0-9]+")
class SlowStorePlainWalkTest extends ConcurrentWalkTest {

  @DynamicPropertySource
  static void throughTheRelay(DynamicPropertyRegistry registry) {
    SlowStoreWalkTest.throughTheRelay(registry);
  }

  @Override
  SecondInstance secondInstance() {
    return new SecondInstance(ConcurrentWalkTest.class, SlowStoreWalkTest.throughTheRelay());
  }

  @Override
  SharedWalk walkFor(List<ApiClient> instances, long seed) {
    return SlowStoreWalkTest.underTheWeather(super.walkFor(instances, seed));
  }

  @Override
  ConcurrentRounds rounds() {
    return SlowStoreWalkTest.underTheWeather(new ConcurrentRounds("walk.slowPlain", 1, 3, 10, 3));
  }

  @AfterAll
  static void tallyOfTheStore() {
    SlowStoreWalkTest.tally();
  }
}
