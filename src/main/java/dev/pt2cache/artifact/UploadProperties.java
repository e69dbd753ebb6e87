package dev.pt2cache.artifact;

import dev.pt2cache.blob.StorageProperties;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Limits of uploads, bound from {@code pt2cache.uploads.*}.
 *
 * @param maxArtifactSize the largest artifact accepted (413 beyond); at most {@link
 *     #LARGEST_UPLOAD}, which is taken instead of a larger one
 * @param maxEntrySize the largest body accepted by PUT on the entries face without a declared
 *     digest (such bodies are spooled to a local temporary file to be hashed first); at most {@code
 *     maxArtifactSize}, which is taken instead of a larger one
 * @param reservationTtl how long a pending upload stays reserved before housekeeping may collect it
 * @param maxConcurrentSpools sizes the default of {@code spoolDisk} only (this many times {@code
 *     maxEntrySize}); it no longer counts bodies, which 8 stalled clients held (docs/adr/0036)
 * @param inFlightLease how long an upload declared with {@code POST .../artifacts} keeps other
 *     content from being declared under its key (409 upload-in-flight) while it is pending; zero:
 *     no lease, every declaration gets a reservation of its own (docs/adr/0019)
 * @param spoolDisk the disk that bodies being spooled may take on an instance, all together, taken
 *     as their bytes arrive (a stalled body holds what it sent); a body's first write that finds
 *     none free waits for {@code connection-wait}, a later one not at all, then answers 503
 *     storage-busy. Unset: {@code maxConcurrentSpools} times {@code maxEntrySize}, the bound the
 *     spool slots gave before. At least {@code maxEntrySize}, or a body the limit admits could
 *     never be spooled
 */
@ConfigurationProperties("pt2cache.uploads")
public record UploadProperties(
    @DefaultValue("50GB") DataSize maxArtifactSize,
    @DefaultValue("1GB") DataSize maxEntrySize,
    @DefaultValue("1h") Duration reservationTtl,
    @DefaultValue("8") int maxConcurrentSpools,
    @DefaultValue("0s") Duration inFlightLease,
    DataSize spoolDisk) {

  public UploadProperties {
    // each of these, zero or negative, starts a service that refuses every upload while its
    // readiness says up: refuse to start instead
    requirePositive("max-artifact-size (PT2CACHE_MAX_ARTIFACT_SIZE)", maxArtifactSize.toBytes());
    requirePositive("max-entry-size (PT2CACHE_MAX_ENTRY_SIZE)", maxEntrySize.toBytes());
    requirePositive("reservation-ttl (PT2CACHE_RESERVATION_TTL)", reservationTtl.toMillis());
    requirePositive("max-concurrent-spools (PT2CACHE_MAX_CONCURRENT_SPOOLS)", maxConcurrentSpools);
    if (maxArtifactSize.toBytes() > LARGEST_UPLOAD) {
      // a larger upload's parts would have to be larger than a part can be: the part length wrapped
      // round as an int (a 500 after the first part's bytes had arrived), and S3 takes at most
      // 10,000 parts. Taken as the largest, not refused: set far above any artifact ("no limit"),
      // it worked for every upload under some 20 TB, and such an instance would not start after an
      // upgrade; an upload over it is 413, naming it
      maxArtifactSize = DataSize.ofBytes(LARGEST_UPLOAD);
    }
    if (maxEntrySize.toBytes() > maxArtifactSize.toBytes()) {
      // no body larger than an artifact may be is stored, so a larger limit only let such a body be
      // spooled whole before its 413; the artifact limit is the entry limit then. Not refused: an
      // instance that lowered the artifact limit below the entry limit's 1GB default started before
      maxEntrySize = maxArtifactSize;
    }
    if (spoolDisk != null && spoolDisk.toBytes() < maxEntrySize.toBytes()) {
      throw new IllegalArgumentException(
          "pt2cache.uploads.spool-disk (PT2CACHE_SPOOL_DISK) must be at least max-entry-size"
              + " (PT2CACHE_MAX_ENTRY_SIZE, "
              + maxEntrySize
              + "), or a body that size could never be spooled, not "
              + spoolDisk);
    }
    if (inFlightLease.isNegative()) {
      throw new IllegalArgumentException(
          "pt2cache.uploads.in-flight-lease (PT2CACHE_UPLOAD_LEASE) must not be negative (0s: no"
              + " lease), not "
              + inFlightLease);
    }
  }

  private static final long GIB = 1L << 30;

  /** The largest upload the store takes: S3's most parts, each of the largest part. */
  static final long LARGEST_UPLOAD =
      StorageProperties.MAX_PARTS * StorageProperties.MAX_PART.toBytes() / GIB * GIB;

  private static void requirePositive(String name, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(
          "pt2cache.uploads." + name + " must be more than 0, not " + value);
    }
  }

  /** The disk all spooled bodies of an instance may take at once. */
  public long spoolDiskBytes() {
    return spoolDisk != null
        ? spoolDisk.toBytes()
        : saturatedProduct(maxConcurrentSpools, maxEntrySize.toBytes());
  }

  /** {@code a * b}, or the largest long where it is larger (the budget takes at most 2 TiB). */
  private static long saturatedProduct(long a, long b) {
    return Math.multiplyHigh(a, b) == 0 && a * b >= 0 ? a * b : Long.MAX_VALUE;
  }

  boolean leases() {
    return !inFlightLease.isZero();
  }
}
