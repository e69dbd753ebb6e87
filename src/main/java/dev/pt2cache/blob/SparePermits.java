package dev.pt2cache.blob;

/**
 * Where a multipart upload takes the second permit on which it reads its next part while the last
 * goes to the store ({@link PartPipeline}): the instance's permits ({@link PartBuffers}), and for
 * an upload of a namespace its share of them too ({@link UploadShares#spares}), so that a
 * namespace's spares count in its share as its uploads' first permits do (docs/adr/0038).
 */
interface SparePermits {

  /** A spare, where one is free now and nobody waits for what it would take; false otherwise. */
  boolean tryTake();

  /** Whether an upload waits for what a spare holds: the spare goes back once its send ends. */
  boolean wanted();

  /** Gives back what {@link #tryTake} took. */
  void giveBack();
}
