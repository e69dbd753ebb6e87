package dev.pt2cache.walk;

import dev.pt2cache.support.ApiClient;
import dev.pt2cache.walk.History.Call;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** What the steps of one walk share: the namespaces, contents, keys and what was answered. */
final class SharedWalk {
  final List<ApiClient> instances;
  final List<String> nsNames;
  final List<byte[]> contents;
  final List<String> derivedKeys;
  final History history = new History();

  /**
   * Each instance's callers, the same tokens in the same order on each: empty where the walk calls
   * as the operator only.
   */
  final List<List<Caller>> callers = new ArrayList<>();

  /** The upload lease and reservation time the instances run with; null where the walk has none. */
  java.time.Duration lease;

  java.time.Duration reservationTtl;

  /**
   * How often a purge step purges: each time (1), one time in N, or never (0), so that expired
   * reservations are met before a purge (grace 0 in tests) drops them; the other turns reconcile.
   */
  int purgeOneIn = 1;

  /**
   * The store behind the instances may fail a request even after the SDK's retries (cut
   * connections, {@code 503 SlowDown}: {@code SlowStoreWalkTest}). A call that reaches the store is
   * then answered {@code 503 storage-unavailable} or {@code storage-busy}, which the contract
   * allows for any operation and a production client answers by trying again: the store's failure
   * ends a request before its commit, or rolls the commit back, so the answer changes nothing but
   * may leave an object that housekeeping collects (ADR 0003). The model accepts it for any call
   * and judges nothing else of it; a model that refused it would hold the service to a store that
   * never fails.
   */
  boolean storeMayFail;

  /** The percentage of steps that reach a reservation's time ({@link ExpiringUploads}). */
  int expiringPercent;

  /** Invalidations sent with an Idempotency-Key and answered 201, to send again. */
  final List<Call> keyed = new ArrayList<>();

  /** Declarations sent with an Idempotency-Key, to send again. */
  final List<Call> keyedDeclarations = new ArrayList<>();

  /** Content PUTs answered, to send again with their Idempotency-Key. */
  final List<Call> sends = new ArrayList<>();

  /** Reservations answered pending, for any worker to send bytes to. */
  final List<Call> reservations = new ArrayList<>();

  /** Every artifact id an answer named, with its namespace. */
  final List<String[]> ids = new ArrayList<>();

  /** Blocking invalidations answered 201, to lift. */
  final List<Call> blocks = new ArrayList<>();

  SharedWalk(
      List<ApiClient> instances,
      List<String> nsNames,
      List<byte[]> contents,
      List<String> derivedKeys) {
    this.instances = instances;
    this.nsNames = nsNames;
    this.contents = contents;
    this.derivedKeys = derivedKeys;
  }

  synchronized <T> T pick(List<T> from, Random random) {
    return from.isEmpty() ? null : from.get(random.nextInt(from.size()));
  }

  synchronized <T> void remember(List<T> into, T what) {
    into.add(what);
  }
}
