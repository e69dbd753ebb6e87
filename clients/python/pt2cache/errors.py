"""Errors the client raises, carrying the service's RFC 9457 problem details."""

from typing import Any, Dict, Optional


class CacheError(Exception):
    """The service answered with an error (or could not be reached: ``status`` is None)."""

    def __init__(self, message: str, status: Optional[int] = None,
                 problem: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(message)
        self.status = status
        self.problem = problem or {}

    @property
    def type(self) -> Optional[str]:
        """The stable problem type, such as ``urn:pt2cache:problem:key-conflict``."""
        return self.problem.get("type")

    @property
    def detail(self) -> Optional[str]:
        return self.problem.get("detail")

    @property
    def slug(self) -> Optional[str]:
        """The last part of the problem type: ``key-conflict``."""
        t = self.type
        return t.rsplit(":", 1)[-1] if t else None


class ServiceUnavailable(CacheError):
    """The service could not be reached, timed out, or answered 5xx after every retry."""


class IncompleteAnswer(ServiceUnavailable):
    """An answer that began and then ended short of its length (not for want of time): the
    service was reached, and cut it. It does so when the bytes its store gave back are not the
    content (damaged in the store: it retires them, docs/adr/0028), or as an instance stops."""


class NotFound(CacheError):
    """404: unknown namespace, artifact or entry."""


class Conflict(CacheError):
    """409: the key holds other content, another upload of it is in flight, an upload is blocked
    by a rule, or an artifact is pending."""


class AccessDenied(CacheError):
    """401 or 403: no token, a token the service refuses, or one that does not allow the call
    (``slug`` is ``unauthenticated`` or ``forbidden``). Set ``PT2CACHE_TOKEN``."""


class IntegrityError(CacheError):
    """Bytes are not what was declared or served: a SHA-256 or size mismatch."""


class DigestMismatch(IntegrityError):
    """Bytes that came whole under the service's digest and hash to another: changed on the way
    (a proxy or other middlebox that rewrites bodies), since the service cuts short an answer
    whose stored bytes are not the content (docs/adr/0028). That answer's bytes only: the
    service was reached and answered."""


# what a proxy or balancer in front of the service means by the answers it makes itself
_PROXIES = {
    413: "it refused the body as too large (nginx: client_max_body_size, 1 MiB unless set; "
         "an upload or entry above it never reaches the service)",
    502: "it reached no instance that answered (none running, or one that closed the connection)",
    503: "it had no instance to send the call to",
    504: "it gave up waiting for an instance's answer (its read timeout)",
}


def from_response(status: int, problem: Optional[Dict[str, Any]], fallback: str,
                  page: Optional[str] = None) -> CacheError:
    """The exception for an error answer, by status. An answer without the service's problem
    details was made by something in front of it (a proxy, a balancer, an ingress): the message
    says so, and what its page said (docs/behind-a-proxy.md)."""
    detail = (problem or {}).get("detail") or (problem or {}).get("title") or fallback
    message = "%s (HTTP %d)" % (detail, status)
    if not problem and page:
        cause = ": " + _PROXIES[status] if status in _PROXIES else ""
        message = ("%s: answered HTTP %d (%r) without the service's problem details, so a proxy "
                   "or balancer in front of the service answered%s" % (fallback, status, page,
                                                                       cause))
    if status in (401, 403):
        return AccessDenied(message, status, problem)
    if status == 404:
        return NotFound(message, status, problem)
    if status == 409:
        return Conflict(message, status, problem)
    if status == 422:
        return IntegrityError(message, status, problem)
    if status >= 500:
        return ServiceUnavailable(message, status, problem)
    return CacheError(message, status, problem)
