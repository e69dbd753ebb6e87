"""The cache service's REST API, for serving nodes and tools."""

import hashlib
import io
import json
import logging
import os
import re
import tempfile
import threading
import time
import uuid
from typing import Any, BinaryIO, Dict, Iterator, List, Optional, Tuple, Union

from .errors import (CacheError, Conflict, DigestMismatch, IntegrityError, NotFound,
                     ServiceUnavailable)
from .connections import KEEP_ALIVE
from .files import publish
from .keys import normalize
from .transport import BLOCK, Transport, quote, query

log = logging.getLogger("pt2cache")

JSON = {"Content-Type": "application/json"}
MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}
OCTETS = "application/octet-stream"
DESCRIPTOR_HEADER_MAX = 4096
Source = Union[bytes, bytearray, memoryview, str, os.PathLike]


class CacheClient:
    """One namespace of one cache service.

    >>> cache = CacheClient("http://cache:8080", namespace="team-a")
    >>> result = cache.lookup("mega-cache", descriptor)
    """

    def __init__(self, url: Optional[str] = None, namespace: Optional[str] = None,
                 timeout: float = 30.0, retries: int = 3, token: Optional[str] = None,
                 keep_alive: float = KEEP_ALIVE) -> None:
        self.url = url or os.environ.get("PT2CACHE_URL", "http://localhost:8080")
        self.namespace = namespace or os.environ.get("PT2CACHE_NAMESPACE", "default")
        # keep_alive: seconds an idle connection is kept for the next call (0: one per call)
        self.http = Transport(self.url, timeout=timeout, retries=retries,
                              token=token or os.environ.get("PT2CACHE_TOKEN"),
                              keep_alive=keep_alive)

    def _ns(self, rest: str = "") -> str:
        return "/v1/namespaces/" + quote(self.namespace) + rest

    # namespaces -----------------------------------------------------------------------------

    def namespaces(self) -> List[Dict[str, Any]]:
        """Every namespace, by name; the service answers them a page (at most 1,000) at a time."""
        return list(self._pages("/v1/namespaces", {"limit": 1000}))

    def namespace_info(self) -> Dict[str, Any]:
        return self.http.request("GET", self._ns()).json()

    def put_namespace(self, quota_bytes: Optional[int] = None, max_idle_days: Optional[int] = None,
                      invalidate_after_reports: Optional[int] = None) -> Dict[str, Any]:
        """Creates the namespace or replaces all its settings (those not given are cleared)."""
        body = json.dumps({"quotaBytes": quota_bytes, "maxIdleDays": max_idle_days,
                           "invalidateAfterReports": invalidate_after_reports}).encode()
        return self.http.request("PUT", self._ns(), body, JSON, expect=(200, 201)).json()

    _SETTINGS = {"quota_bytes": "quotaBytes", "max_idle_days": "maxIdleDays",
                 "invalidate_after_reports": "invalidateAfterReports"}

    def update_namespace(self, **changes: Optional[int]) -> Dict[str, Any]:
        """Changes only the settings named (``max_idle_days=7``; ``None`` clears one, and the
        service's default applies) and keeps every other as it is stored, a change someone else
        made meanwhile included: a JSON merge patch, applied under the namespace's lock
        (docs/adr/0051). An admin of one namespace leaves ``quota_bytes`` out (only the operator
        changes quotas). A service older than ``PATCH`` (``405``) is read, then replaced."""
        unknown = set(changes) - set(self._SETTINGS)
        if unknown:
            raise TypeError("unknown namespace settings: " + ", ".join(sorted(unknown)))
        body = json.dumps({self._SETTINGS[name]: value for name, value in changes.items()})
        try:
            return self.http.request("PATCH", self._ns(), body.encode(), MERGE_PATCH).json()
        except CacheError as e:
            if e.status != 405:
                raise
        stored = self.namespace_info()
        settings = {name: stored.get(wire) for name, wire in self._SETTINGS.items()}
        settings.update(changes)
        return self.put_namespace(**settings)

    # lookups and artifacts ------------------------------------------------------------------

    def lookup(self, kind: str, descriptor: Dict[str, Any], timeout: Optional[float] = None,
               deadline: Optional[float] = None, retries: Optional[int] = None) -> Dict[str, Any]:
        """``{"hit": bool, "key", "artifact"?, "miss"?}``; a miss says why.

        ``deadline`` bounds the whole call in seconds, retries included.
        """
        body = json.dumps({"kind": kind, "descriptor": descriptor}).encode()
        return self.http.request("POST", self._ns("/lookups"), body, JSON, timeout=timeout,
                                 deadline=deadline, retries=retries).json()

    def upload(self, kind: str, source: Source, descriptor: Optional[Dict[str, Any]] = None,
               key: Optional[str] = None) -> Dict[str, Any]:
        """Uploads bytes or a file (streamed, never read whole): the ready artifact.

        The SHA-256 is computed first (one streamed pass over a file), declared with the size,
        and the bytes are sent only when the service does not hold them already.
        """
        opener, sha256, size = _content(source)
        declared = {"kind": kind, "sha256": sha256, "sizeBytes": size}
        if descriptor is not None:
            declared["descriptor"] = descriptor
        if key is not None:
            declared["key"] = key
        created = self.http.request("POST", self._ns("/artifacts"), json.dumps(declared).encode(),
                                    JSON, expect=(200, 201)).json()
        if "uploadUrl" not in created:
            return created
        headers = {"Content-Type": OCTETS, "Content-Length": str(size)}
        # 503 storage-race and storage-busy are retried by the transport, bytes sent again
        return self.http.request("PUT", created["uploadUrl"], opener, headers).json()

    def artifact(self, artifact_id: str) -> Dict[str, Any]:
        return self.http.request("GET", self._ns("/artifacts/" + quote(artifact_id))).json()

    def download(self, artifact: Dict[str, Any], destination: Union[str, os.PathLike],
                 timeout: Optional[float] = None, deadline: Optional[float] = None,
                 retries: Optional[int] = None,
                 cancelled: Optional[threading.Event] = None) -> str:
        """Streams a ready artifact to a file, verified, written atomically (rename).

        A crash or a mismatch never leaves a partial file at ``destination``. ``timeout`` bounds
        each socket operation; ``deadline`` (seconds) the whole download, retries and body
        included (``TimeoutError`` or ``ServiceUnavailable`` past it, and nothing is left
        behind). An answer that breaks off is resumed where it stopped, up to ``retries`` times.
        Once ``cancelled`` is set (by another thread that no longer waits for it), it stops at the
        next chunk with a ``CacheError``, and nothing is left behind either.
        """
        end = None if deadline is None else time.monotonic() + deadline
        url = artifact.get("downloadUrl") or self._ns("/artifacts/%s/content" % artifact["id"])
        chunks = self._resuming(url, artifact["sha256"], timeout, end, retries)
        return _write_verified(chunks, destination, artifact["sha256"], artifact["sizeBytes"],
                               end, cancelled)

    def download_bytes(self, artifact: Dict[str, Any], deadline: Optional[float] = None,
                       retries: Optional[int] = None,
                       cancelled: Optional[threading.Event] = None) -> bytes:
        """``download``, into memory: verified as it comes, no disk. For a caller that reads the
        whole artifact anyway where no temporary directory takes it (full, read-only)."""
        end = None if deadline is None else time.monotonic() + deadline
        url = artifact.get("downloadUrl") or self._ns("/artifacts/%s/content" % artifact["id"])
        chunks = self._resuming(url, artifact["sha256"], None, end, retries)
        out = io.BytesIO()
        _copy_verified(chunks, out, artifact["sha256"], artifact["sizeBytes"], end, cancelled)
        return out.getvalue()

    def _resuming(self, url: str, sha256: str, timeout: Optional[float], end: Optional[float],
                  retries: Optional[int]) -> Iterator[bytes]:
        """The content's bytes; an answer that breaks off is resumed where it stopped (a Range,
        under If-Range naming the content, so that only the same bytes are spliced on), as many
        times as ``retries`` allows, within ``end``."""
        received = 0
        resumes = self.http.retries if retries is None else retries
        headers: Dict[str, str] = {}
        while True:
            left = None if end is None else max(end - time.monotonic(), 0.001)
            # a resume is a retry: on a new connection, as the transport's own retries are
            response = self.http.request("GET", url, headers=headers, expect=(200, 206),
                                         timeout=timeout, deadline=left, retries=retries,
                                         fresh=bool(headers))
            skip = received if response.status == 200 else 0  # all of it again: drop what came
            if response.status == 206 and not response.headers.get(
                    "content-range", "").startswith("bytes %d-" % received):
                response.close()
                raise ServiceUnavailable("GET %s resumed at %d bytes, answered %r"
                                         % (url, received, response.headers.get("content-range")))
            try:
                for chunk in response.iter_chunks():
                    if skip:
                        dropped = min(skip, len(chunk))
                        chunk, skip = chunk[dropped:], skip - dropped
                    received += len(chunk)
                    if chunk:
                        yield chunk
                return
            except ServiceUnavailable as e:
                if resumes <= 0 or (end is not None and time.monotonic() >= end):
                    raise
                resumes -= 1
                log.info("%s; resuming at byte %d", e, received)
                headers = {"Range": "bytes=%d-" % received, "If-Range": '"%s"' % sha256}

    def artifacts(self, limit: int = 100, **filters: Any) -> Iterator[Dict[str, Any]]:
        """Every artifact matching the filters, newest first, page by page.

        Filters: kind, state, key, modelName, modelVersion, modelFingerprint, torch, triton, cuda,
        rocm, python, gpu, capability, tag (``"name:value"`` or a list of them), reported
        (``True``: only those some node reported). A name the service does not know
        (``model_name``) is refused with a 400 ``CacheError`` that lists the names it does, never
        ignored.
        """
        return self._pages(self._ns("/artifacts"), dict(filters, limit=limit))

    def _pages(self, path: str, params: Dict[str, Any]) -> Iterator[Dict[str, Any]]:
        """The items of a paged listing, following each page's ``nextCursor``."""
        cursor = None
        seen = set()
        while True:
            page = self.http.request("GET", path + query(dict(params, cursor=cursor))).json()
            yield from page["items"]
            cursor = page.get("nextCursor")
            if not cursor or cursor in seen:
                return
            seen.add(cursor)

    # reports --------------------------------------------------------------------------------

    def report(self, artifact_id: str, problem: str, detail: Optional[str] = None,
               node: Optional[str] = None, timeout: Optional[float] = None,
               deadline: Optional[float] = None, retries: Optional[int] = None
               ) -> Dict[str, Any]:
        """Tells the service that an artifact failed this node: ``problem`` is ``load-failed``,
        ``wrong-output`` or ``other``. Needs a ``write`` token. Counted once per token and
        ``node``; the answer says whether the artifact is still ``ready`` or was retired by the
        namespace's threshold. ``detail`` is sent as one line of ASCII, cut to 1000 characters."""
        body: Dict[str, Any] = {"problem": problem}
        if detail:
            body["detail"] = one_line(detail)
        if node:
            body["node"] = node
        # idempotent: the same reporter again replaces its report
        return self.http.request("POST", self._ns("/artifacts/%s/reports" % quote(artifact_id)),
                                 json.dumps(body).encode(), JSON, expect=(200, 201),
                                 timeout=timeout, deadline=deadline, retries=retries).json()

    def reports(self, artifact_id: str, limit: int = 50) -> Dict[str, Any]:
        """What nodes reported about an artifact: its count, state and newest reports."""
        return self.http.request("GET", self._ns("/artifacts/%s/reports" % quote(artifact_id))
                                 + query({"limit": limit})).json()

    def clear_reports(self, artifact_id: str) -> Dict[str, Any]:
        """Deletes an artifact's reports (its count goes back to 0), for reports that were the
        nodes' own fault. Needs an ``admin`` token; a retired artifact stays retired."""
        return self.http.request("DELETE",
                                 self._ns("/artifacts/%s/reports" % quote(artifact_id))).json()

    # invalidations --------------------------------------------------------------------------

    def invalidate(self, selector: Dict[str, Any], reason: str, block: bool = False,
                   expires_at: Optional[str] = None) -> Dict[str, Any]:
        """Retires every match at once; with ``block``, refuses matching uploads until lifted."""
        body: Dict[str, Any] = {"selector": selector, "reason": reason}
        if block:
            body["block"] = True
        if expires_at is not None:  # an empty one is the service's to refuse, not a rule forever
            body["expiresAt"] = expires_at
        # one key for this call and every resend of it (IETF draft-ietf-httpapi-idempotency-key-
        # header, a structured-field string): the service answers a resend with the invalidation
        # the key recorded (200), retiring what a cut first call left, so it is resent as safely
        # as a read, after a 503 or a connection cut once the request went out
        headers = dict(JSON, **{"Idempotency-Key": '"%s"' % uuid.uuid4()})
        return self.http.request("POST", self._ns("/invalidations"), json.dumps(body).encode(),
                                 headers, expect=(200, 201)).json()

    def lift(self, invalidation_id: str) -> Dict[str, Any]:
        return self.http.request("POST", self._ns("/invalidations/%s/lift" % quote(invalidation_id))
                                 ).json()

    # entries: PyTorch's fine-grained caches ---------------------------------------------------

    def _entry(self, kind: str, key: str) -> str:
        return self._ns("/entries/%s/%s" % (quote(kind), quote(key)))

    def get_entry(self, kind: str, key: str, timeout: Optional[float] = None,
                  retries: Optional[int] = None,
                  deadline: Optional[float] = None) -> Optional[bytes]:
        """The bytes under a key (small: PyTorch's entries), verified, or None on a miss. Only
        the service's own "no such entry" is a miss: an unknown namespace or a path that reaches
        no API (a wrong URL prefix) is raised (``NotFound``), since every read would miss.
        ``deadline`` bounds the whole call in seconds, the body included."""
        try:
            response = self.http.request("GET", self._entry(kind, key), timeout=timeout,
                                         retries=retries, deadline=deadline)
        except NotFound as e:
            _raise_unless_absent_entry(e)
            return None
        data = response.read()
        etag = response.headers.get("etag", "").strip('"')
        if not re.fullmatch(r"[0-9a-f]{64}", etag):
            # the service tags every entry with its SHA-256: bytes without it came from
            # something else (a proxy's page), and are not given to PyTorch unverified
            raise IntegrityError("entry %s/%s came without its digest (ETag %r)"
                                 % (kind, key, etag))
        if hashlib.sha256(data).hexdigest() != etag:
            raise DigestMismatch("entry %s/%s does not match its digest" % (kind, key))
        return data

    def download_entry(self, kind: str, key: str,
                       destination: Union[str, os.PathLike]) -> Optional[str]:
        """Streams the bytes under a key to a file, verified, written atomically; None on a miss."""
        try:
            response = self.http.request("GET", self._entry(kind, key))
        except NotFound as e:
            _raise_unless_absent_entry(e)
            return None
        sha256 = response.headers.get("etag", "").strip('"')
        size = int(response.headers.get("content-length", "-1"))
        try:
            return _write_verified(response.iter_chunks(), destination, sha256, size)
        except IntegrityError as e:  # named, so that a mirror of many says which one
            raise IntegrityError("%s entry %s: %s" % (kind, key, e)) from e

    def has_entry(self, kind: str, key: str) -> bool:
        try:
            self.http.request("HEAD", self._entry(kind, key)).close()
            return True
        except NotFound:
            return False

    def put_entry(self, kind: str, key: str, data: bytes, timeout: Optional[float] = None,
                  retries: Optional[int] = None,
                  descriptor: Optional[Dict[str, Any]] = None,
                  deadline: Optional[float] = None) -> Dict[str, Any]:
        """Stores bytes under a key; the same bytes again are fine, other bytes are a Conflict.
        ``descriptor`` (from :func:`pt2cache.describe`) says where the entry was compiled, so that
        invalidations and blocking rules by model, torch or GPU reach it."""
        headers = {"Content-Type": OCTETS, "Content-Length": str(len(data)),
                   "X-Content-SHA256": hashlib.sha256(data).hexdigest()}
        if descriptor is not None:
            headers["X-Pt2cache-Descriptor"] = descriptor_header(descriptor)
        return self.http.request("PUT", self._entry(kind, key), bytes(data), headers,
                                 expect=(200, 201), timeout=timeout, retries=retries,
                                 deadline=deadline).json()


def one_line(text: str, limit: int = 1000) -> str:
    """Text as the service takes a report's detail: control characters (but tab) as spaces,
    anything beyond ASCII escaped, cut to ``limit`` characters."""
    text = re.sub(r"[\x00-\x08\x0a-\x1f\x7f]", " ", text)
    return text.encode("ascii", "backslashreplace").decode("ascii")[:limit]


def descriptor_header(descriptor: Dict[str, Any]) -> str:
    """The descriptor as an entry carries it (``X-Pt2cache-Descriptor``): one line of ASCII JSON,
    at most 4096 characters. Raises ``ValueError`` for what the service would refuse."""
    normalize(descriptor)  # a member the contract does not define raises ValueError
    value = json.dumps(descriptor, ensure_ascii=True, separators=(",", ":"))
    if len(value) > DESCRIPTOR_HEADER_MAX:
        raise ValueError("the descriptor is %d characters as JSON; an entry carries at most %d"
                         % (len(value), DESCRIPTOR_HEADER_MAX))
    return value


def _content(source: Source) -> Tuple[Any, str, int]:
    """A body factory for the content, with its SHA-256 and size (a file is read once, streamed)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        return (lambda: io.BytesIO(data)), hashlib.sha256(data).hexdigest(), len(data)
    path = os.fspath(source)
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(BLOCK), b""):
            digest.update(chunk)
            size += len(chunk)
    sha256 = digest.hexdigest()
    return (lambda: _AsDeclared(path, size, sha256)), sha256, size


class _AsDeclared:
    """A file sent as it was declared: exactly ``size`` bytes with this SHA-256. A file that
    changes while it is sent (shrinks, grows, is rewritten) raises ``CacheError`` before its last
    byte goes, so the service never gets a whole body, and nothing past the declared length is
    ever written to the connection (where it would read as the next request)."""

    def __init__(self, path: str, size: int, sha256: str) -> None:
        self._file = open(path, "rb")
        self._path = path
        self._left = size
        self._sha256 = sha256
        self._digest = hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        if self._left == 0:
            return b""
        chunk = self._file.read(self._left if n is None or n < 0 else min(n, self._left))
        if not chunk:
            raise self._changed("it shrank by %d bytes" % self._left)
        self._digest.update(chunk)
        self._left -= len(chunk)
        if self._left == 0:
            if self._file.read(1):
                raise self._changed("it grew")
            if self._digest.hexdigest() != self._sha256:
                raise self._changed("its bytes are not those hashed")
        return chunk

    def _changed(self, how: str) -> CacheError:
        return CacheError("%s changed while it was sent (%s): not stored; send it again once it "
                          "is written whole" % (self._path, how))

    def close(self) -> None:
        self._file.close()


def _write_verified(chunks: Iterator[bytes], destination: Union[str, os.PathLike],
                    sha256: str, size: int, end: Optional[float] = None,
                    cancelled: Optional[threading.Event] = None) -> str:
    """Writes chunks to a temporary file beside the destination, checks digest and size, renames.
    Past ``end`` (a ``time.monotonic()``), it stops with ``TimeoutError``; once ``cancelled`` is
    set, with a ``CacheError``. Stopping closes the chunks' connection (not kept for reuse)."""
    destination = os.fspath(destination)
    directory = os.path.dirname(os.path.abspath(destination))
    os.makedirs(directory, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".pt2cache-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as out:
            _copy_verified(chunks, out, sha256, size, end, cancelled)
            out.flush()
            os.fsync(out.fileno())
        publish(temporary, destination)
        return destination
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _copy_verified(chunks: Iterator[bytes], out: BinaryIO, sha256: str, size: int,
                   end: Optional[float], cancelled: Optional[threading.Event]) -> None:
    """Copies chunks to ``out`` and checks their digest and size (``IntegrityError``); see
    ``_write_verified`` for ``end`` and ``cancelled``."""
    digest = hashlib.sha256()
    written = 0
    try:
        for chunk in chunks:
            if end is not None and time.monotonic() > end:
                raise TimeoutError("download not finished within its deadline")
            if cancelled is not None and cancelled.is_set():
                raise CacheError("download cancelled after %d bytes" % written)
            digest.update(chunk)
            written += len(chunk)
            out.write(chunk)
        if (size >= 0 and written != size) or digest.hexdigest() != sha256:
            raise IntegrityError("downloaded %d bytes with sha256 %s, expected %d bytes with %s"
                                 % (written, digest.hexdigest(), size, sha256))
    except BaseException:
        # the answer's connection closes now, not when a garbage collection finds the generator
        # (the exception's traceback holds it): until then the service went on sending
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
        raise


__all__ = ["CacheClient", "CacheError", "Conflict", "IntegrityError", "NotFound"]


def _raise_unless_absent_entry(e: NotFound) -> None:
    """A 404 is a miss when the service says the entry is absent (``artifact-not-found``), not
    when the namespace is unknown, nor when something else answered (a wrong URL prefix reaches
    no API; a proxy's page has no problem type): then every read would miss, and the caller must
    hear of it."""
    if e.slug != "artifact-not-found":
        raise e
