"""HTTP for the client: timeouts, retries with backoff for transient failures, problem details,
streamed bodies. Standard library only."""

import http.client
import json
import logging
import random
import socket
import time
import urllib.parse
from typing import Any, Callable, Dict, Iterable, Optional, Tuple, Union

from .errors import CacheError, ServiceUnavailable, from_response

log = logging.getLogger("pt2cache")

Body = Union[None, bytes, Callable[[], Any]]
"""A request body: nothing, bytes, or a factory that opens a fresh stream (so it can be resent)."""

RETRYABLE_STATUS = {429, 502, 503, 504}
BLOCK = 1024 * 1024


class Response:
    """An answer whose body has not been read yet (for streaming) or has (``data``)."""

    def __init__(self, status: int, headers: Dict[str, str], raw: http.client.HTTPResponse,
                 connection: http.client.HTTPConnection) -> None:
        self.status = status
        self.headers = headers
        self._raw = raw
        self._connection = connection

    def read(self) -> bytes:
        try:
            return self._raw.read()
        finally:
            self.close()

    def json(self) -> Any:
        return json.loads(self.read() or b"null")

    def iter_chunks(self, size: int = BLOCK) -> Iterable[bytes]:
        """The body as it arrives: each chunk is what one read of the socket gave (up to
        ``size``), so a caller with a deadline gets to check it however slowly bytes come."""
        try:
            while True:
                chunk = self._raw.read1(size)
                if not chunk:
                    return
                yield chunk
        finally:
            self.close()

    def close(self) -> None:
        self._connection.close()


class Transport:
    """Sends requests to one service, retrying what can safely be retried."""

    def __init__(self, base_url: str, timeout: float = 30.0, retries: int = 3,
                 backoff: float = 0.25, token: Optional[str] = None) -> None:
        parsed = urllib.parse.urlsplit(base_url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError("not an http(s) URL: %r" % base_url)
        self.base_url = base_url.rstrip("/")
        self._https = parsed.scheme == "https"
        self._host = parsed.hostname
        self._port = parsed.port
        self._prefix = parsed.path.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.token = token

    def request(self, method: str, path: str, body: Body = None,
                headers: Optional[Dict[str, str]] = None, expect: Tuple[int, ...] = (200,),
                timeout: Optional[float] = None, deadline: Optional[float] = None,
                retries: Optional[int] = None, idempotent: bool = True) -> Response:
        """Sends a request; answers the response when its status is one of ``expect``.

        ``timeout`` bounds each socket operation; ``deadline`` (seconds) bounds the whole call,
        retries and pauses included. A request that is not ``idempotent`` is sent again only when
        the service surely did not act on it (the connection was refused, or 429/503).
        """
        end = None if deadline is None else time.monotonic() + deadline
        allowed = self.retries if retries is None else retries
        attempt = 0
        while True:
            attempt += 1
            per_attempt = timeout or self.timeout
            if end is not None:
                per_attempt = min(per_attempt, max(end - time.monotonic(), 0.001))
            try:
                response = self._send(method, path, body, headers or {}, per_attempt)
            except (OSError, http.client.HTTPException) as e:
                surely_unsent = isinstance(e, ConnectionRefusedError)
                if attempt > allowed or not (idempotent or surely_unsent):
                    raise ServiceUnavailable("%s %s failed: %s" % (method, path, e)) from e
                self._pause(attempt, None, "%s %s failed: %s" % (method, path, e), end)
                continue
            if response.status in expect:
                return response
            problem = _problem(response)
            retryable = response.status in RETRYABLE_STATUS and (
                idempotent or response.status in (429, 503))
            if retryable and attempt <= allowed and not _past(end):
                self._pause(attempt, response.headers.get("retry-after"),
                            "%s %s answered %d" % (method, path, response.status), end)
                continue
            raise from_response(response.status, problem, "%s %s" % (method, path))

    def _send(self, method: str, path: str, body: Body, headers: Dict[str, str],
              timeout: float) -> Response:
        cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        connection = cls(self._host, self._port, timeout=timeout, blocksize=BLOCK)
        headers = dict(headers)
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        stream = body() if callable(body) else body
        try:
            try:
                connection.request(method, self._prefix + path, body=stream, headers=headers)
            except (BrokenPipeError, ConnectionResetError):
                # the service may have answered before reading the whole body (a 409, say):
                # its answer is the truth, not the broken pipe
                pass
            raw = connection.getresponse()
        except BaseException:
            connection.close()
            raise
        finally:
            if callable(body) and hasattr(stream, "close"):
                stream.close()
        return Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, raw, connection)

    def _pause(self, attempt: int, retry_after: Optional[str], why: str,
               end: Optional[float]) -> None:
        delay = self.backoff * (2 ** (attempt - 1)) * (0.5 + random.random())
        if retry_after and retry_after.isdigit():
            delay = max(delay, min(float(retry_after), 30.0))
        if end is not None:
            if time.monotonic() + delay >= end:
                raise ServiceUnavailable("%s; no time left to retry" % why)
        log.info("%s; retrying in %.2f s", why, delay)
        time.sleep(delay)


def _past(end: Optional[float]) -> bool:
    return end is not None and time.monotonic() >= end


def _problem(response: Response) -> Optional[Dict[str, Any]]:
    try:
        data = response.read()
        if "json" in response.headers.get("content-type", ""):
            return json.loads(data)
    except (ValueError, OSError, socket.timeout):
        pass
    return None


def quote(segment: str) -> str:
    """A path segment, percent-encoded (the service refuses what would still be unsafe)."""
    return urllib.parse.quote(segment, safe="")


def query(params: Dict[str, Any]) -> str:
    pairs = []
    for name, value in params.items():
        if value is None:
            continue
        for v in value if isinstance(value, (list, tuple)) else [value]:
            pairs.append((name, ("true" if v else "false") if isinstance(v, bool) else v))
    return "?" + urllib.parse.urlencode(pairs) if pairs else ""


__all__ = ["Transport", "Response", "CacheError", "quote", "query"]
