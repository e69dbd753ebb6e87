package dev.pt2cache.artifact;

import dev.pt2cache.blob.BlobExpectation;
import dev.pt2cache.descriptor.CacheKeys;
import dev.pt2cache.namespace.NamespaceService;
import dev.pt2cache.system.LogContext;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Whether an upload may reserve its key, and the reservation itself: the namespace's room, the size
 * limit, the key (PyTorch's, or derived from the descriptor), a blocking rule, a lease another
 * upload's content holds, and for a declaration whether the namespace's stored copy makes it ready
 * at once. It exists apart from {@link UploadService} because these checks change with the API's
 * admission rules, not with how bytes are received; each is a read or {@link KeyReservation}'s one
 * short transaction, and none reads a body.
 */
@Component
class UploadReservations {

  private final NamespaceService namespaces;
  private final ArtifactRepository artifacts;
  private final KeyReservation reservation;
  private final UploadBytes bytes;
  private final UploadProperties properties;
  private final ArtifactPolicy policy;
  private final UploadLeases leases;

  UploadReservations(
      NamespaceService namespaces,
      ArtifactRepository artifacts,
      KeyReservation reservation,
      UploadBytes bytes,
      UploadProperties properties,
      ArtifactPolicy policy,
      UploadLeases leases) {
    this.namespaces = namespaces;
    this.artifacts = artifacts;
    this.reservation = reservation;
    this.bytes = bytes;
    this.properties = properties;
    this.policy = policy;
    this.leases = leases;
  }

  /**
   * Reserves the command's key: a declaration (POST .../artifacts) is refused at once under another
   * content's lease and made ready from this namespace's stored copy; an upload that brings its
   * bytes is neither.
   */
  UploadOutcome reserve(String namespace, UploadCommand command, boolean declaration) {
    long limit = properties.maxArtifactSize().toBytes();
    BlobExpectation content = command.content();
    namespaces.requireRoomFor(namespace, content.sizeBytes());
    if (content.sizeBytes() > limit) {
      throw new PayloadTooLargeException(content.sizeBytes(), limit);
    }
    String key = keyOf(command);
    LogContext.key(command.kind().wireName(), key);
    policy
        .refusal(
            namespace,
            () ->
                new ArtifactFilter.Subject(
                    null, command.kind(), key, content.sha256(), command.descriptor()))
        .ifPresent(
            refusal -> {
              throw new UploadBlockedException(refusal);
            });
    if (declaration) {
      refuseAtOnceWhileOtherContentHoldsTheLease(namespace, command.kind(), key, content);
    }
    // only a declaration is made ready from a stored copy here, and only where this namespace
    // holds that content ready: the store is asked about nothing else, so that a declaration of
    // content another namespace stores costs what one of content stored nowhere does, and its
    // time tells nobody that another tenant stores it. An upload that brings its bytes asks the
    // store once it is reserved (reserveAndReceive), and not at all when the key holds them
    boolean contentInStore =
        declaration
            && artifacts.existsByNamespaceAndSha256AndState(
                namespace, content.sha256(), ArtifactState.READY)
            && bytes.inStore(content);
    UploadOutcome outcome =
        reservation.reserve(
            namespace,
            command.kind(),
            key,
            command.descriptor(),
            content,
            contentInStore,
            declaration,
            command.declaredBy());
    Artifact artifact = outcome.artifact();
    LogContext.artifact(artifact.id(), artifact.kind().wireName(), artifact.key());
    UploadService.log.debug(
        "upload reserved: state {}, created {}", artifact.state(), outcome.created());
    return outcome;
  }

  /**
   * A declaration that the lease certainly refuses is answered from one plain read, before the
   * key's lock: a fleet declaring one key at once then neither queues on the lock nor holds a
   * connection while it waits (docs/adr/0019, amendment). Anything less than certain is decided
   * under the lock, which stays the authority.
   */
  private void refuseAtOnceWhileOtherContentHoldsTheLease(
      String namespace, ArtifactKind kind, String key, BlobExpectation content) {
    Optional<UploadLeases.Lease> lease = leases.refusing(namespace, kind, key, content.sha256());
    if (lease.isPresent()) {
      UploadService.log.debug(
          "upload refused before the key's lock: {} holds the lease", lease.get().sha256());
      throw new UploadInFlightException(lease.get().sha256(), lease.get().left());
    }
  }

  private static String keyOf(UploadCommand command) {
    ArtifactKind kind = command.kind();
    if (!kind.descriptorAddressed()) {
      if (command.key() == null) {
        throw new InvalidUploadException(
            kind.wireName() + " artifacts are addressed by PyTorch's key: send 'key'");
      }
      return command.key();
    }
    if (command.descriptor() == null) {
      throw new InvalidUploadException(
          kind.wireName() + " artifacts are addressed by their descriptor: send 'descriptor'");
    }
    String derived = CacheKeys.derive(kind.wireName(), command.descriptor());
    if (command.key() != null && !command.key().equals(derived)) {
      throw new KeyMismatchException(command.key(), derived);
    }
    return derived;
  }
}
