package dev.pt2cache.blob;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Where blobs are stored: any S3-compatible server. Bound from {@code pt2cache.storage.*}, so from
 * environment variables such as {@code PT2CACHE_S3_ENDPOINT} (see application.yaml).
 *
 * @param endpoint the S3 endpoint; empty for AWS's own, resolved from the region
 * @param accessKey with {@code secretKey}, static credentials; empty for the AWS default chain
 * @param pathStyle path-style addressing (MinIO, S3Proxy, most self-hosted servers need it)
 * @param createBucket create the bucket at start-up when it does not exist
 * @param partSize bytes per multipart part, also the largest buffer one upload holds in memory; a
 *     blob up to this size is read and verified before it is sent
 * @param maxConnections HTTP connections to the store for downloads; each download holds one for
 *     its whole length. Uploads have their own ({@code 2 × maxConcurrentPuts}), and so do control
 *     requests (existence checks, housekeeping; {@link #CONTROL_CONNECTIONS}) and the bucket's
 *     health check ({@link #HEALTH_CONNECTIONS}), so that downloads never starve them
 *     (docs/adr/0014)
 * @param connectionWait how long a download waits for a free store connection before it is answered
 *     {@code 503 storage-busy} (also each wait in the other pools, which are sized not to make one)
 * @param maxConcurrentPuts uploads that may write to the store at once (so at most this many times
 *     the part size of heap goes to upload buffers, and this many store connections to streamed
 *     uploads); more wait up to {@code connectionWait}, then get 503
 * @param singlePutMax the largest blob sent as one streamed {@code PutObject} (ADR 0013): a blob
 *     over the part size and up to this streams to the store as it arrives, holding no buffer;
 *     larger ones go as multipart uploads. 5 GiB, S3's limit for one request, by default and at
 *     most; 0 turns streaming off
 * @param signPayload sign request bodies (SigV4 payload hashes) on plain-HTTP stores too; off by
 *     default, since the service verifies every byte itself and HTTPS stores never sign bodies
 *     (docs/adr/0008). On plain HTTP the SDK then sends every body {@code aws-chunked}, each chunk
 *     signed as it goes
 * @param controlTimeout the longest a control request (health, an existence check before a commit,
 *     a delete, one page of a listing) may take, retries included; then the store counts as
 *     unavailable ({@code 503 storage-unavailable}, readiness down), rather than holding the
 *     request, and the locks a commit holds, for as long as a hung store does
 * @param stallTimeout how long an upload's request to the store may go without progress (the HTTP
 *     client taking more of its body) before it is ended, and the upload answered {@code 503
 *     storage-unavailable} (ADR 0024); a slow client does not count, a store reading under about 4
 *     MB per this long does. Keep it above the time the store takes to answer once it has every
 *     byte
 * @param expectContinue send {@code Expect: 100-continue} with upload requests and wait for the
 *     store's {@code 100} before their bodies, as the AWS SDK does by default for bodies over 1
 *     MiB. Off by default: a store or proxy that never answers {@code 100} (Cloudflare R2 documents
 *     that it does not) makes every such request wait about 3 s first, and the service gains
 *     nothing from it (a refusal before the body only saves sending one part)
 * @param maxConcurrentPutsPerNamespace how many of the {@code maxConcurrentPuts} permits one
 *     namespace's uploads may hold at once, so that one tenant's slow or stalled clients leave the
 *     others some (docs/adr/0038); unset, {@link #putsPerNamespace() three quarters} of them
 * @param caBundle a PEM file of the certificate authorities the store's HTTPS certificate must
 *     chain to (a private CA's); unset, the JVM's own trust (docs/adr/0053)
 */
@ConfigurationProperties("pt2cache.storage")
public record StorageProperties(
    URI endpoint,
    @DefaultValue("us-east-1") String region,
    @DefaultValue("pt2cache") String bucket,
    String accessKey,
    String secretKey,
    @DefaultValue("false") boolean pathStyle,
    @DefaultValue("false") boolean createBucket,
    @DefaultValue("8MB") DataSize partSize,
    @DefaultValue("128") int maxConnections,
    @DefaultValue("10s") Duration connectionWait,
    @DefaultValue("16") int maxConcurrentPuts,
    @DefaultValue("5GB") DataSize singlePutMax,
    @DefaultValue("false") boolean signPayload,
    @DefaultValue("5s") Duration controlTimeout,
    @DefaultValue("60s") Duration stallTimeout,
    @DefaultValue("false") boolean expectContinue,
    Integer maxConcurrentPutsPerNamespace,
    Path caBundle) {

  /** Connections for control requests: existence checks, deletes, listings, small reads. */
  public static final int CONTROL_CONNECTIONS = 16;

  /**
   * Connections for the bucket's check alone (readiness, the start's marker check): it never waits
   * behind the control requests (docs/adr/0014, amendment). Only checks wait for these, and the
   * health check asks at most once a second, so two are spare unless the store stops answering.
   */
  public static final int HEALTH_CONNECTIONS = 2;

  /**
   * The longest the bucket's check waits for one of its {@link #HEALTH_CONNECTIONS}: only while
   * earlier checks still wait for a store that does not answer, whose answer is then DOWN anyway.
   */
  public static final Duration HEALTH_CONNECTION_WAIT = Duration.ofSeconds(1);

  /** S3's limit for one {@code PutObject}. */
  public static final DataSize MAX_SINGLE_PUT = DataSize.ofGigabytes(5);

  /** S3's smallest part of a multipart upload, but for the last. */
  static final DataSize MIN_PART = DataSize.ofMegabytes(5);

  /**
   * The largest part: each is held in one {@code byte[]}, which Java caps just under 2 GiB, below
   * S3's 5 GiB. Beyond it the part length wrapped round as an {@code int}: 2GB became a negative
   * buffer size (every multipart upload failed with 500), 4GB an empty one (an upload sent empty
   * parts for ever).
   */
  public static final DataSize MAX_PART = DataSize.ofMegabytes(2047);

  /** S3's most parts in one multipart upload. */
  public static final int MAX_PARTS = 10_000;

  public StorageProperties {
    if (connectionWait.isNegative() || connectionWait.isZero()) {
      // the SDK's HTTP client builder refuses 0 itself, with no word of the setting
      throw new IllegalArgumentException(
          "pt2cache.storage.connection-wait is " + connectionWait + "; it must be above zero");
    }
    if (connectionWait.compareTo(Duration.ofMillis(1)) < 0) {
      // the SDK hands the HTTP client's pool whole milliseconds: under one, the pool got 0 and a
      // call that found it full failed at once, however long the setting said
      throw new IllegalArgumentException(
          ("pt2cache.storage.connection-wait (PT2CACHE_S3_CONNECTION_WAIT) is %s; give at least 1ms"
                  + " (the store's HTTP client counts its wait in whole milliseconds)")
              .formatted(connectionWait));
    }
    if (controlTimeout.isNegative() || controlTimeout.isZero()) {
      throw new IllegalArgumentException(
          "pt2cache.storage.control-timeout is " + controlTimeout + "; it must be above zero");
    }
    if (stallTimeout.isNegative() || stallTimeout.isZero()) {
      throw new IllegalArgumentException(
          "pt2cache.storage.stall-timeout (PT2CACHE_S3_STALL_TIMEOUT) is "
              + stallTimeout
              + "; it must be above zero");
    }
    if (partSize.compareTo(MIN_PART) < 0 || partSize.compareTo(MAX_PART) > 0) {
      // S3 accepts the parts and refuses the upload only when it completes: every upload of more
      // than a part would end as "storage unavailable", to be retried for ever; and a part is one
      // buffer, which Java caps under 2 GiB
      throw new IllegalArgumentException(
          ("pt2cache.storage.part-size (PT2CACHE_S3_PART_SIZE) is %s; give 5MB to 2047MB (S3 takes"
                  + " parts of 5MB to 5GB, and each is held in one buffer, which Java caps under"
                  + " 2GB)")
              .formatted(partSize));
    }
    if (maxConnections < 1 || maxConcurrentPuts < 1) {
      throw new IllegalArgumentException(
          ("pt2cache.storage.max-connections (PT2CACHE_S3_MAX_CONNECTIONS) and max-concurrent-puts"
                  + " (PT2CACHE_S3_MAX_CONCURRENT_PUTS) must be at least 1, not %d and %d")
              .formatted(maxConnections, maxConcurrentPuts));
    }
    if (maxConcurrentPutsPerNamespace != null
        && (maxConcurrentPutsPerNamespace < 1
            || maxConcurrentPutsPerNamespace > maxConcurrentPuts)) {
      throw new IllegalArgumentException(
          ("pt2cache.storage.max-concurrent-puts-per-namespace"
                  + " (PT2CACHE_S3_MAX_CONCURRENT_PUTS_PER_NAMESPACE) is %d; give 1 to"
                  + " max-concurrent-puts (%d), or leave it unset for three quarters of it")
              .formatted(maxConcurrentPutsPerNamespace, maxConcurrentPuts));
    }
    if (singlePutMax.isNegative()) {
      throw new IllegalArgumentException(
          "pt2cache.storage.single-put-max (PT2CACHE_S3_SINGLE_PUT_MAX) must not be negative, not "
              + singlePutMax);
    }
    if (singlePutMax.compareTo(MAX_SINGLE_PUT) > 0) {
      throw new IllegalArgumentException(
          "pt2cache.storage.single-put-max is "
              + singlePutMax
              + "; S3 takes at most "
              + MAX_SINGLE_PUT
              + " in one PutObject");
    }
    if (caBundle != null && !(Files.isRegularFile(caBundle) && Files.isReadable(caBundle))) {
      // named here, with every other wrong setting (docs/adr/0025), not as a stack trace when the
      // store's client is made after they all passed; what the file holds is read then
      // (StoreCaBundle)
      throw new IllegalArgumentException(
          ("pt2cache.storage.ca-bundle (PT2CACHE_S3_CA_BUNDLE) is %s, which is no file the service"
                  + " can read (missing, a directory, or not readable by its user); give the PEM"
                  + " file of the CAs that signed the store's certificate, or leave it empty for"
                  + " the JVM's own")
              .formatted(caBundle));
    }
  }

  /**
   * How long a control request waits for one of the {@link #CONTROL_CONNECTIONS}: {@code
   * connectionWait}, but at most half of {@code controlTimeout} (2.5 s by default), and at least a
   * millisecond. The call's bound runs from its start, and ends a wait still under way as it ends a
   * store that does not answer, so that the two could not be told apart: a control call that found
   * the pool full was answered {@code storage-unavailable}, blaming the store (docs/adr/0014, third
   * amendment). The other half is left to what the call does before it waits (resolving
   * credentials, signing) and to the store's answer.
   */
  public Duration controlConnectionWait() {
    Duration half = controlTimeout.dividedBy(2);
    Duration wait = connectionWait.compareTo(half) < 0 ? connectionWait : half;
    return wait.compareTo(Duration.ofMillis(1)) < 0 ? Duration.ofMillis(1) : wait;
  }

  /**
   * The upload permits one namespace may hold at once: as set, or all but a quarter of them (at
   * least one left to the others where there are two or more): 12 of 16, 1 of 2.
   */
  public int putsPerNamespace() {
    if (maxConcurrentPutsPerNamespace != null) {
      return maxConcurrentPutsPerNamespace;
    }
    return Math.max(1, maxConcurrentPuts - Math.max(1, maxConcurrentPuts / 4));
  }

  /**
   * The part of a multipart upload of {@code size} bytes: the part size, or larger where that many
   * bytes would need more than S3's 10,000 parts.
   */
  public long partFor(long size) {
    long needed = (size + MAX_PARTS - 1) / MAX_PARTS;
    return Math.max(partSize.toBytes(), needed);
  }
}
