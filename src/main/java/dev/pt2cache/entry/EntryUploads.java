package dev.pt2cache.entry;

import dev.pt2cache.artifact.ArtifactKind;
import dev.pt2cache.artifact.InvalidUploadException;
import dev.pt2cache.artifact.PayloadTooLargeException;
import dev.pt2cache.artifact.UploadCommand;
import dev.pt2cache.artifact.UploadOutcome;
import dev.pt2cache.artifact.UploadProperties;
import dev.pt2cache.artifact.UploadService;
import dev.pt2cache.blob.BlobExpectation;
import dev.pt2cache.blob.ByteBudget;
import dev.pt2cache.blob.ContentMismatchException;
import dev.pt2cache.blob.StorageProperties;
import dev.pt2cache.blob.UploadInterruptedException;
import dev.pt2cache.descriptor.Descriptor;
import dev.pt2cache.namespace.NamespaceService;
import dev.pt2cache.system.Caller;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.springframework.stereotype.Service;
import org.springframework.util.unit.DataSize;

/**
 * The entries face's one-request upload (PUT .../entries/{kind}/{key}): reserve and receive in one
 * go. A body sent without its digest is spooled to a temporary file to be hashed first, in the disk
 * budget of the instance, taken as its bytes arrive.
 */
@Service
class EntryUploads implements MeterBinder {

  private final UploadService uploads;
  private final NamespaceService namespaces;
  private final UploadProperties properties;
  private final Duration spoolWait;
  private final ByteBudget spoolDisk;
  private final long spoolShareBytes;
  private final Map<String, ByteBudget> spoolShares = new ConcurrentHashMap<>();

  EntryUploads(
      UploadService uploads,
      NamespaceService namespaces,
      UploadProperties properties,
      StorageProperties storage) {
    this.uploads = uploads;
    this.namespaces = namespaces;
    this.properties = properties;
    this.spoolWait = storage.connectionWait();
    this.spoolDisk = new ByteBudget(properties.spoolDiskBytes());
    this.spoolShareBytes = spoolShare(properties.spoolDiskBytes(), properties.maxEntrySize());
  }

  /**
   * The spool disk one namespace's bodies may hold at once: three quarters of it, so that one
   * tenant's clients that send bodies without their digest and then stop or trickle leave the
   * others a quarter (docs/adr/0038); but at least the largest entry, which must always fit.
   */
  static long spoolShare(long spoolDisk, DataSize maxEntrySize) {
    return Math.max(spoolDisk - spoolDisk / 4, Math.min(spoolDisk, maxEntrySize.toBytes()));
  }

  /** The disk held by entries sent without their digest, of PT2CACHE_SPOOL_DISK. */
  @Override
  public void bindTo(MeterRegistry registry) {
    Gauge.builder("pt2cache.entry.spool", spoolDisk, ByteBudget::heldBytes)
        .description(
            "Disk held by entries sent without their digest while they are spooled, of"
                + " PT2CACHE_SPOOL_DISK")
        .baseUnit("bytes")
        .register(registry);
  }

  /**
   * Stores an entry. {@code descriptor} (may be null) is where it was compiled: kept with it, so
   * that invalidations and blocking rules by model, software or hardware reach it.
   */
  public UploadOutcome put(
      String namespace,
      ArtifactKind kind,
      String key,
      Descriptor descriptor,
      String sha256,
      long length,
      InputStream in) {
    if (kind.descriptorAddressed()) {
      throw new InvalidUploadException(
          "entries hold key-addressed kinds only; upload %s through POST /v1/namespaces/%s/artifacts"
              .formatted(kind.wireName(), namespace));
    }
    Caller.Token caller = Caller.token();
    Function<BlobExpectation, UploadCommand> command =
        content -> new UploadCommand(kind, descriptor, key, content, caller);
    if (sha256 != null && length >= 0) {
      // the reservation checks the namespace and its quota
      return uploads.reserveAndReceive(
          namespace, command.apply(new BlobExpectation(sha256, length)), in);
    }
    // the body goes to disk first: refuse what cannot be taken before reading any of it
    long limit = properties.maxEntrySize().toBytes();
    if (length > limit) {
      throw new PayloadTooLargeException(length, limit);
    }
    namespaces.requireRoomFor(namespace, Math.max(length, 0));
    try (SpooledContent spool =
        SpooledContent.of(in, limit, spoolShareOf(namespace), spoolDisk, spoolWait)) {
      if (sha256 != null && !sha256.equals(spool.expectation().sha256())) {
        throw new ContentMismatchException(
            ContentMismatchException.Mismatch.DIGEST,
            "declared sha256 %s, received content has sha256 %s"
                .formatted(sha256, spool.expectation().sha256()));
      }
      try (InputStream spooled = spool.open()) {
        return uploads.reserveAndReceive(namespace, command.apply(spool.expectation()), spooled);
      }
    } catch (IOException e) {
      throw new UploadInterruptedException(e);
    }
  }

  // one budget per namespace that spooled since the start; namespaces are made by operators, and
  // requireRoomFor above has found this one
  private ByteBudget spoolShareOf(String namespace) {
    return spoolShares.computeIfAbsent(namespace, n -> new ByteBudget(spoolShareBytes));
  }
}
