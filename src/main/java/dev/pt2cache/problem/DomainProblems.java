package dev.pt2cache.problem;

import dev.pt2cache.artifact.ArtifactEvictedException;
import dev.pt2cache.artifact.ArtifactInvalidatedException;
import dev.pt2cache.artifact.ArtifactNotFoundException;
import dev.pt2cache.artifact.ArtifactNotReadyException;
import dev.pt2cache.artifact.InvalidUploadException;
import dev.pt2cache.artifact.KeyConflictException;
import dev.pt2cache.artifact.KeyMismatchException;
import dev.pt2cache.artifact.PayloadTooLargeException;
import dev.pt2cache.artifact.ReservationExpiredException;
import dev.pt2cache.artifact.UploadBlockedException;
import dev.pt2cache.auth.InvalidTokenRequestException;
import dev.pt2cache.auth.TokenNameTakenException;
import dev.pt2cache.auth.TokenNotFoundException;
import dev.pt2cache.descriptor.HardwareTagRules.InvalidTagException;
import dev.pt2cache.descriptor.NulCharacterException;
import dev.pt2cache.descriptor.UnrepresentableValueException;
import dev.pt2cache.entry.MalformedDescriptorHeaderException;
import dev.pt2cache.housekeeping.JobRunningException;
import dev.pt2cache.invalidation.EmptySelectorException;
import dev.pt2cache.invalidation.IdempotencyKeyReusedException;
import dev.pt2cache.invalidation.InvalidSelectorException;
import dev.pt2cache.invalidation.RuleNotFoundException;
import dev.pt2cache.lookup.UnsupportedLookupException;
import dev.pt2cache.namespace.ExceedsQuotaException;
import dev.pt2cache.namespace.NamespaceNameMismatchException;
import dev.pt2cache.namespace.NamespaceNotFoundException;
import dev.pt2cache.system.InvalidCursorException;
import dev.pt2cache.system.InvalidTimeException;
import dev.pt2cache.system.MalformedQueryParameterException;
import dev.pt2cache.system.UnknownQueryParameterException;
import java.util.Map;
import java.util.Optional;

/**
 * The domain exceptions whose message is the problem's detail as it stands: most of a feature's
 * errors (not found, conflict, invalid input) need only a line here and a {@link ProblemType}.
 * Matched by exact class, before any other handling of an exception the advice catches as {@code
 * Exception}. An error that needs a header, a log line or a detail of its own gets a handler in its
 * family instead: {@link AuthProblems}, {@link StorageProblems}, {@link DatabaseProblems}.
 */
final class DomainProblems {

  private static final Map<Class<? extends Exception>, ProblemType> DOMAIN =
      Map.ofEntries(
          Map.entry(NamespaceNotFoundException.class, ProblemType.NAMESPACE_NOT_FOUND),
          Map.entry(ArtifactNotFoundException.class, ProblemType.ARTIFACT_NOT_FOUND),
          Map.entry(RuleNotFoundException.class, ProblemType.INVALIDATION_NOT_FOUND),
          Map.entry(TokenNotFoundException.class, ProblemType.TOKEN_NOT_FOUND),
          Map.entry(TokenNameTakenException.class, ProblemType.TOKEN_NAME_TAKEN),
          Map.entry(InvalidTokenRequestException.class, ProblemType.INVALID_REQUEST),
          Map.entry(ArtifactNotReadyException.class, ProblemType.NOT_READY),
          Map.entry(ArtifactInvalidatedException.class, ProblemType.INVALIDATED),
          Map.entry(ArtifactEvictedException.class, ProblemType.EVICTED),
          Map.entry(ReservationExpiredException.class, ProblemType.RESERVATION_EXPIRED),
          Map.entry(KeyConflictException.class, ProblemType.KEY_CONFLICT),
          Map.entry(UploadBlockedException.class, ProblemType.BLOCKED_BY_RULE),
          Map.entry(JobRunningException.class, ProblemType.JOB_RUNNING),
          Map.entry(KeyMismatchException.class, ProblemType.KEY_MISMATCH),
          Map.entry(InvalidUploadException.class, ProblemType.INVALID_REQUEST),
          Map.entry(InvalidCursorException.class, ProblemType.INVALID_REQUEST),
          Map.entry(UnsupportedLookupException.class, ProblemType.INVALID_REQUEST),
          Map.entry(EmptySelectorException.class, ProblemType.EMPTY_SELECTOR),
          Map.entry(InvalidSelectorException.class, ProblemType.INVALID_REQUEST),
          Map.entry(IdempotencyKeyReusedException.class, ProblemType.IDEMPOTENCY_KEY_REUSED),
          Map.entry(InvalidTimeException.class, ProblemType.INVALID_REQUEST),
          Map.entry(InvalidTagException.class, ProblemType.INVALID_REQUEST),
          Map.entry(NamespaceNameMismatchException.class, ProblemType.INVALID_REQUEST),
          Map.entry(UnknownQueryParameterException.class, ProblemType.INVALID_REQUEST),
          Map.entry(MalformedQueryParameterException.class, ProblemType.INVALID_REQUEST),
          Map.entry(NulCharacterException.class, ProblemType.INVALID_REQUEST),
          Map.entry(UnrepresentableValueException.class, ProblemType.INVALID_REQUEST),
          Map.entry(PayloadTooLargeException.class, ProblemType.PAYLOAD_TOO_LARGE),
          Map.entry(ExceedsQuotaException.class, ProblemType.EXCEEDS_QUOTA),
          Map.entry(MalformedDescriptorHeaderException.class, ProblemType.MALFORMED_REQUEST));

  private DomainProblems() {}

  /** The type of a domain exception of this table, if {@code e} is one. */
  static Optional<ProblemType> typeOf(Exception e) {
    return Optional.ofNullable(DOMAIN.get(e.getClass()));
  }
}
