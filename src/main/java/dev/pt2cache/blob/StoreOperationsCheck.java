package dev.pt2cache.blob;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.context.annotation.DependsOn;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Asks the store at start, once the bucket is known to be this deployment's, for each operation the
 * service needs, on an object of its own under {@link #PROBE_PREFIX} (never a blob): a bucket that
 * answers while refusing one of them (a permission not granted, an operation a store lacks) would
 * otherwise be found out only when that operation first ran, by an upload failing with {@code 503},
 * or a housekeeping run. Each refusal is logged at ERROR with the permission to grant and what
 * fails without it, counted in {@code pt2cache_store_operations_refused}, and named in the {@code
 * storage} health details. It does not stop the start: an operator may mean to do without one (a
 * lifecycle rule instead of aborts), and a store that is down is already refused by {@link
 * DeploymentMarker}. A request that fails otherwise (the store busy or down) is logged at WARN as
 * not checked.
 */
@Component
@DependsOn("deploymentMarker")
public class StoreOperationsCheck implements InitializingBean {

  private static final Logger log = LoggerFactory.getLogger(StoreOperationsCheck.class);

  /** Where the check writes its object, outside {@link BlobStore#PREFIX}. */
  static final String PROBE_PREFIX = "pt2cache/probe/";

  /** An operation the store refused, with the permission it takes and what fails without it. */
  public record Refused(String operation, String permission, String consequence, String answer) {
    @Override
    public String toString() {
      return "%s (%s): %s".formatted(operation, permission, answer);
    }
  }

  private final S3Client s3;
  private final String bucket;
  private volatile List<Refused> refused = List.of();

  StoreOperationsCheck(StoreClients clients, StorageProperties properties, MeterRegistry registry) {
    this.s3 = clients.control();
    this.bucket = properties.bucket();
    Gauge.builder("pt2cache.store.operations.refused", this, check -> check.refused().size())
        .description(
            "Operations the service needs that the store refused when this instance started")
        .register(registry);
  }

  /** What the store refused when this instance started; empty when it took everything. */
  public List<Refused> refused() {
    return refused;
  }

  @Override
  public void afterPropertiesSet() {
    refused = check();
    if (refused.isEmpty()) {
      log.info("the store takes every operation the service uses, in bucket {}", bucket);
    }
    for (Refused r : refused) {
      log.error(
          "the store refused {} in bucket {} ({}). Without it {}. Grant {} to the service's"
              + " credentials, or see docs/s3-compatibility.md",
          r.operation(),
          bucket,
          r.answer(),
          r.consequence(),
          r.permission());
    }
  }

  /** Runs each probe in turn; one refused or failing does not stop the others. */
  List<Refused> check() {
    String key = PROBE_PREFIX + UUID.randomUUID();
    List<Refused> found = new ArrayList<>();
    boolean written =
        probe(
            found,
            "PutObject",
            "s3:PutObject",
            "no upload can be stored",
            () ->
                s3.putObject(
                    b -> b.bucket(bucket).key(key).contentType("text/plain"),
                    RequestBody.fromString("probe\n", StandardCharsets.UTF_8)));
    if (written) {
      probe(
          found,
          "GetObject with a Range",
          "s3:GetObject",
          "no download can be served",
          () -> s3.getObjectAsBytes(b -> b.bucket(bucket).key(key).range("bytes=0-0")));
      probe(
          found,
          "DeleteObject",
          "s3:DeleteObject",
          "housekeeping deletes nothing and the bucket only grows",
          () -> s3.deleteObject(b -> b.bucket(bucket).key(key)));
    }
    probeMissingHead(found, key + "-absent");
    probe(
        found,
        "ListObjectsV2",
        "s3:ListBucket",
        "reconciliation cannot run",
        () -> s3.listObjectsV2(b -> b.bucket(bucket).prefix(BlobStore.PREFIX).maxKeys(1)));
    probe(
        found,
        "ListMultipartUploads",
        "s3:ListBucketMultipartUploads",
        "purge cannot abort abandoned multipart uploads (use a lifecycle rule instead)",
        () ->
            s3.listMultipartUploads(b -> b.bucket(bucket).prefix(BlobStore.PREFIX).maxUploads(1)));
    probeMultipart(found, key + "-multipart");
    return List.copyOf(found);
  }

  /**
   * A {@code HEAD} of an object that does not exist must answer 404: AWS answers 403 to credentials
   * without {@code s3:ListBucket}, and the service then takes an object lost from the bucket for a
   * failing store.
   */
  private void probeMissingHead(List<Refused> found, String absent) {
    try {
      s3.headObject(b -> b.bucket(bucket).key(absent));
      log.warn("the store answered HEAD of an object never written ({}) as found", absent);
    } catch (S3Exception e) {
      if (e.statusCode() != 404) {
        notChecked(
            found,
            "HeadObject of a missing object (answered %d, not 404)".formatted(e.statusCode()),
            "s3:ListBucket",
            "an object lost from the bucket is taken for a failing store: its content is never"
                + " retired or stored again, and declaring it answers 503",
            e);
      }
    } catch (SdkException e) {
      log.warn("could not check HeadObject of a missing object: {}", e.toString());
    }
  }

  /** Starts a multipart upload of the probe's own and aborts it. */
  private void probeMultipart(List<Refused> found, String key) {
    String[] uploadId = new String[1];
    boolean started =
        probe(
            found,
            "CreateMultipartUpload",
            "s3:PutObject",
            "no upload over PT2CACHE_S3_SINGLE_PUT_MAX can be stored",
            () ->
                uploadId[0] = s3.createMultipartUpload(b -> b.bucket(bucket).key(key)).uploadId());
    if (started) {
      probe(
          found,
          "AbortMultipartUpload",
          "s3:AbortMultipartUpload",
          "the parts of failed and abandoned uploads stay in the bucket (use a lifecycle rule)",
          () -> s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId[0])));
    }
  }

  /** True when the store took the request. */
  private boolean probe(
      List<Refused> found, String operation, String permission, String consequence, Runnable call) {
    try {
      call.run();
      return true;
    } catch (SdkException e) {
      notChecked(found, operation, permission, consequence, e);
      return false;
    }
  }

  private static void notChecked(
      List<Refused> found,
      String operation,
      String permission,
      String consequence,
      SdkException e) {
    if (StoreFailures.refused(e)) {
      found.add(new Refused(operation, permission, consequence, answer(e)));
    } else {
      log.warn("could not check {} at start: {}", operation, e.toString());
    }
  }

  private static String answer(SdkException e) {
    if (e instanceof S3Exception s3) {
      String code = s3.awsErrorDetails() == null ? null : s3.awsErrorDetails().errorCode();
      return s3.statusCode() + (code == null ? "" : " " + code);
    }
    return e.getMessage();
  }
}
