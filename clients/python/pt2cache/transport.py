"""HTTP for the client: timeouts, retries with backoff for transient failures, problem details,
streamed bodies. Standard library only."""

import email.utils
import http.client
import ipaddress
import json
import logging
import os
import platform
import random
import re
import socket
import ssl
import threading
import time
import urllib.parse
import weakref
from typing import Any, Callable, Dict, Iterable, Optional, Set, Tuple, Union

from .connections import KEEP_ALIVE, POOL_SIZE, Pool, forget_parents_connections
from .errors import CacheError, IncompleteAnswer, ServiceUnavailable, from_response
from .version import __version__

log = logging.getLogger("pt2cache")

Body = Union[None, bytes, Callable[[], Any]]
"""A request body: nothing, bytes, or a factory that opens a fresh stream (so it can be resent)."""

RETRYABLE_STATUS = {408, 429, 502, 503, 504}
# answers that say the service did not act on the request: sent again even when not idempotent
# (408: a body that stopped arriving, of which nothing was kept; 429 and 503 refuse before acting)
NOT_ACTED_ON = {408, 429, 503}
BLOCK = 1024 * 1024
# a PEM file of the CAs that signed the service's certificate, trusted by this client alone
CA_BUNDLE = "PT2CACHE_CA_BUNDLE"
# which client made a call: the service's access line records it (userAgent), so an operator can
# tell the nodes of a fleet that still run an old client
USER_AGENT = "pt2cache-python/%s python/%s" % (__version__, platform.python_version())


class Response:
    """An answer whose body has not been read yet (for streaming) or has (``data``).

    Its body is read within the request's deadline, when it had one: the call's watchdog shuts
    the socket down then, so a service that trickles its answer cannot hold the caller longer. A
    body cut short, a read that times out, or a connection that breaks is a
    ``ServiceUnavailable``, and a body that should be JSON and is not a ``CacheError``: every
    failure is a ``CacheError``.

    Its connection goes back to the transport's pool only once the body was read to its end
    (or there was none), within the deadline, and the service did not say it would close it: an
    answer abandoned midway, cut, timed out or refused with a retryable status closes it."""

    def __init__(self, status: int, headers: Dict[str, str], raw: http.client.HTTPResponse,
                 connection: http.client.HTTPConnection, what: str = "the request",
                 end: Optional[float] = None, watchdog: Optional["_Watchdog"] = None,
                 pool: Optional[Pool] = None) -> None:
        self.status = status
        self.headers = headers
        self._raw = raw
        self._connection = connection
        self._watchdog = watchdog
        self._what = what
        self._end = end
        self._pool = pool
        self._closed = False
        # a caller and another thread (a serving process's own watchdog) may close an answer at
        # once: each saw it open before either marked it, and both put the connection back, to be
        # taken by two calls at once (Python 3.9 and 3.10 switch threads between the look and the
        # mark; a build without the GIL runs both at once). The look and the mark are one step
        self._closing = threading.Lock()
        # no body to read: a HEAD's answer, 204, 304, or Content-Length: 0
        self._done = what.startswith("HEAD ") or status in (204, 304) or (
            raw.length == 0 and not raw.chunked)

    def read(self) -> bytes:
        return b"".join(self.iter_chunks())

    def json(self) -> Any:
        data = self.read()
        try:
            return json.loads(data or b"null")
        except ValueError as e:  # JSONDecodeError and UnicodeDecodeError both
            raise CacheError("%s answered %d with a body that is not JSON (%s): %r"
                             % (self._what, self.status, e, data[:200]), self.status) from e

    def iter_chunks(self, size: int = BLOCK) -> Iterable[bytes]:
        """The body as it arrives: each chunk is what one read of the socket gave (up to
        ``size``), so a caller with a deadline gets to check it however slowly bytes come."""
        received = 0
        try:
            while True:
                try:
                    chunk = self._raw.read1(size)
                except (OSError, http.client.HTTPException) as e:
                    raise self._broke_off(received, "the answer broke off after %d bytes: %s"
                                          % (received, e)) from e
                if not chunk:
                    missing = self._raw.length  # what Content-Length promised and never came
                    if missing or self._cut():
                        raise self._broke_off(received, "the connection closed after %d bytes, "
                                              "%s short of the answer" % (received, missing))
                    self._done = True
                    return
                received += len(chunk)
                yield chunk
        finally:
            self.close()

    def _broke_off(self, received: int, why: str) -> ServiceUnavailable:
        """The failure of a body that stopped coming: past the deadline (whose watchdog shuts the
        socket), that is what it says."""
        if self._cut():
            return ServiceUnavailable("%s: no whole answer within its deadline (%d bytes came)"
                                      % (self._what, received))
        return IncompleteAnswer("%s: %s" % (self._what, why))

    def _cut(self) -> bool:
        """Whether the deadline's watchdog shut the socket: an end of the body may be its doing."""
        return self._watchdog is not None and self._watchdog.fired

    def close(self) -> None:
        with self._closing:  # held for the look and the mark only
            if self._closed:
                return
            self._closed = True
        if self._watchdog is not None:
            self._watchdog.cancel()
        reusable = (self._pool is not None and self._done and not self._cut()
                    and not self._raw.will_close and self.status not in RETRYABLE_STATUS)
        self._raw.close()
        if reusable:
            self._pool.give(self._connection)  # type: ignore[union-attr]
        else:
            self._connection.close()


class Transport:
    """Sends requests to one service, retrying what can safely be retried."""

    def __init__(self, base_url: str, timeout: float = 30.0, retries: int = 3,
                 backoff: float = 0.25, token: Optional[str] = None,
                 keep_alive: float = KEEP_ALIVE, pool_size: int = POOL_SIZE) -> None:
        self.base_url = base_url.rstrip("/")
        # idle connections for the next calls (0 for either: a connection per call, as before)
        self._pool = Pool(pool_size, keep_alive)
        # a malformed URL is every request's failure, a CacheError, not the constructor's: a node
        # that builds its client at start and fails open around each call must not crash there
        self._invalid: Optional[str] = None
        try:
            parsed = urllib.parse.urlsplit(base_url)
            port = parsed.port
        except ValueError as e:
            parsed, port = None, None
            self._invalid = "not an http(s) URL: %r (%s)" % (base_url, e)
        if parsed is not None and (parsed.scheme not in ("http", "https") or not parsed.hostname):
            self._invalid = "not an http(s) URL: %r" % base_url
        self._https = parsed is not None and parsed.scheme == "https"
        self._host = parsed.hostname if parsed is not None else None
        self._port = port
        self._prefix = parsed.path.rstrip("/") if parsed is not None else ""
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        # a token read from a file or a secret made from one ends with a line break: dropped. Any
        # other character a header cannot carry is refused without showing the token (http.client
        # would name the whole header in its error, and logs would keep it)
        self.token = token.strip() if token else token
        if self.token and not _HEADER_SAFE.fullmatch(self.token):
            self._invalid = ("the token holds a character an HTTP header cannot carry (a control "
                             "character or a space); the token is not shown")
        if self.token and not self._invalid and not self._https:
            _warn_plain_http(self._host, self._port)
        # the CAs that signed the service's certificate (a private CA's PEM file), for this
        # client's connections only: SSL_CERT_FILE would replace the whole process's trust
        self._tls: Optional[ssl.SSLContext] = None
        bundle = os.environ.get(CA_BUNDLE)
        if bundle and self._https:
            try:
                self._tls = ssl.create_default_context(cafile=bundle)
                # as http.client's own context offers it: a terminator that requires ALPN (some
                # Envoy and load balancer settings) refuses a handshake without it
                self._tls.set_alpn_protocols(["http/1.1"])
            except (OSError, ValueError) as e:
                self._invalid = "%s=%s cannot be read as PEM certificates: %s" % (CA_BUNDLE,
                                                                                   bundle, e)

    def request(self, method: str, path: str, body: Body = None,
                headers: Optional[Dict[str, str]] = None, expect: Tuple[int, ...] = (200,),
                timeout: Optional[float] = None, deadline: Optional[float] = None,
                retries: Optional[int] = None, idempotent: bool = True,
                fresh: bool = False) -> Response:
        """Sends a request; answers the response when its status is one of ``expect``.

        ``timeout`` bounds each socket operation; ``deadline`` (seconds) bounds the whole call,
        retries and pauses included. A request that is not ``idempotent`` is sent again only when
        the service surely did not act on it (the connection was refused, or 408/429/503), and
        goes out on a connection of its own, never an idle one (docs/adr/0041). So does one
        that is ``fresh``: a caller's own retry, after an answer that broke off.
        """
        if self._invalid:
            raise CacheError(self._invalid)
        end = None if deadline is None else time.monotonic() + deadline
        allowed = self.retries if retries is None else retries
        attempt = 0
        fresh = fresh or not idempotent
        while True:
            attempt += 1
            per_attempt = timeout or self.timeout
            if end is not None:
                per_attempt = min(per_attempt, max(end - time.monotonic(), 0.001))
            try:
                response = self._send(method, path, body, headers or {}, per_attempt, end, fresh)
            except _Stale as e:
                # the service closed an idle connection as the request went out on it: sent
                # again at once on a new one, and not counted (only idempotent requests take
                # idle connections); a retry below uses a new one too
                log.debug("%s %s: an idle connection had been closed (%s); sent again on a new "
                          "one", method, path, e.__cause__)
                attempt -= 1
                fresh = True
                continue
            except ssl.SSLCertVerificationError as e:
                # the same certificate again on a retry: said at once, with what to set
                raise ServiceUnavailable("%s %s failed: %s; %s" % (
                    method, path, e, _not_verified(e, self._host))) from e
            except (OSError, http.client.HTTPException) as e:
                if isinstance(e, ssl.SSLError) and e.reason in _HANDSHAKE_REFUSED:
                    # the same answer to every handshake: said at once, with the likely cause,
                    # rather than after the whole backoff
                    raise ServiceUnavailable("%s %s failed: %s; %s" % (
                        method, path, e, _handshake_refused(self.base_url))) from e
                fresh = True
                surely_unsent = isinstance(e, ConnectionRefusedError)
                if attempt > allowed or not (idempotent or surely_unsent):
                    raise ServiceUnavailable("%s %s failed: %s" % (method, path, e)) from e
                self._pause(attempt, None, "%s %s failed: %s" % (method, path, e), end)
                continue
            if response.status in expect:
                return response
            problem, page = _problem(response)
            retryable = response.status in RETRYABLE_STATUS and (
                idempotent or response.status in NOT_ACTED_ON)
            refused = from_response(response.status, problem, "%s %s" % (method, path), page)
            if retryable and attempt <= allowed and not _past(end):
                fresh = True
                try:
                    self._pause(attempt, response.headers.get("retry-after"),
                                "%s %s answered %d" % (method, path, response.status), end)
                except ServiceUnavailable:
                    # the wait asked for outlasts the deadline: the refusal is the answer, with
                    # its status and cause (a busy database, a rate limit), not a bare timeout
                    refused.args = ("%s; no time left to wait for a retry within the deadline"
                                    % refused,)
                    raise refused from None
                continue
            raise refused

    def _send(self, method: str, path: str, body: Body, headers: Dict[str, str],
              timeout: float, end: Optional[float], fresh: bool = False) -> Response:
        watchdog = _Watchdog(end)
        connection = None if fresh else self._pool.take()
        reused = connection is not None
        if connection is None:
            connection = self._connection(timeout, end, watchdog)
        else:  # this call's own bounds on a connection another call opened
            connection.timeout = timeout
            connection.sock.settimeout(timeout)
            watchdog.watch(connection.sock)
        headers = dict(headers)
        headers.setdefault("User-Agent", USER_AGENT)
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        stream = body() if callable(body) else body
        awaiting = False  # the request is sent; the status line is awaited
        try:
            try:
                connection.request(method, self._prefix + path, body=stream, headers=headers)
            except ValueError as e:
                if not _refused_header(e):
                    raise
                # http.client's message quotes the value, which may be a secret: named, not shown
                raise CacheError("%s %s: %s holds what an HTTP header cannot carry; not sent"
                                 % (method, path, _header_name(str(e), headers))) from None
            except (BrokenPipeError, ConnectionResetError):
                if connection.sock is None or connection.sock.fileno() < 0:
                    # cut before the request could go out (a reset mid-handshake): there is no
                    # answer to read, and reading one would say "Bad file descriptor"
                    raise
                # the service may have answered before reading the whole body (a 409, say):
                # its answer is the truth, not the broken pipe
                pass
            awaiting = True
            raw = connection.getresponse()
            if watchdog.fired:  # the headers may have been cut where they looked whole
                raise socket.timeout("no answer within the deadline")
        except BaseException as e:
            watchdog.cancel()
            connection.close()
            cut = watchdog.fired or (awaiting and _past(end))
            if cut and isinstance(e, (OSError, http.client.HTTPException)):
                # the deadline shut the socket (http.client would say the remote end closed it),
                # or, on a busy host, the socket's own timeout, which runs to the deadline too,
                # went off before the watchdog's thread did (it would say "timed out")
                raise socket.timeout("no answer within the deadline") from e
            if reused and isinstance(e, _CLOSED_WHILE_IDLE):
                raise _Stale() from e  # no status line came: the service closed it idle
            raise
        finally:
            if callable(body) and hasattr(stream, "close"):
                stream.close()
        return Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, raw, connection,
                        "%s %s" % (method, path), end, watchdog, self._pool)

    def _connection(self, timeout: float, end: Optional[float],
                    watchdog: "_Watchdog") -> http.client.HTTPConnection:
        """A new connection (opened by its first request), its name lookup and connect
        bounded by the call's timeout and deadline, its socket watched by the call's watchdog."""
        cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        connection = (http.client.HTTPSConnection(self._host, self._port, timeout=timeout,
                                                  blocksize=BLOCK, context=self._tls)
                      if self._tls is not None else
                      cls(self._host, self._port, timeout=timeout, blocksize=BLOCK))
        # http.client's own context for this connection, or the client's PT2CACHE_CA_BUNDLE one,
        # shared by its connections and threads (setting the same class again changes nothing)
        if self._https:
            connection._context.sslsocket_class = _CountedSSLSocket  # type: ignore[attr-defined]
            connect_plain = connection.connect

            def connect_tls() -> None:
                connect_plain()  # the TLS socket now holds the descriptor the plain one had
                watchdog.follow(connection.sock)

            connection.connect = connect_tls  # type: ignore[method-assign]

        def connect(address: Tuple[str, int], timeout: Any = None,
                    source_address: Any = None) -> socket.socket:
            sock = _connect_resolving_within(address, timeout, source_address, end)
            watchdog.watch(sock)
            return sock

        connection._create_connection = connect  # type: ignore[attr-defined]
        return connection

    def _pause(self, attempt: int, retry_after: Optional[str], why: str,
               end: Optional[float]) -> None:
        delay = self.backoff * (2 ** (attempt - 1)) * (0.5 + random.random())
        asked = _seconds(retry_after)
        if asked is not None:
            # the service's wait is the least one; a fleet refused at once (a 429, a busy store)
            # is told the same whole seconds, and spreads its retries evenly over as long again
            # (full jitter over that window) rather than coming back in the same instant to be
            # refused again: told "1 s", before within 1 to 1.5 s, none in the window's second half
            delay = max(delay, min(asked, 30.0) * (1.0 + random.random()))
        if end is not None:
            if time.monotonic() + delay >= end:
                raise ServiceUnavailable("%s; no time left to retry" % why)
        log.info("%s; retrying in %.2f s", why, delay)
        time.sleep(delay)


class _Stale(Exception):
    """An idle connection taken from the pool that the service had closed: the request failed
    before any answer came."""


# what a connection the service closed while it idled gives: a reset or broken pipe as the
# request goes out, or no status line at all (RemoteDisconnected is both); a timeout is not one
_CLOSED_WHILE_IDLE = (ConnectionError, http.client.BadStatusLine,
                      http.client.ImproperConnectionState)


def _seconds(retry_after: Optional[str]) -> Optional[float]:
    """Retry-After as seconds: a number of them, or an HTTP date (as a proxy may send)."""
    if not retry_after:
        return None
    value = retry_after.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(when.timestamp() - time.time(), 0.0)


class _Watchdog:
    """Shuts a call's socket down at its deadline, whatever the call waits for then (the status
    line, a header, a chunk's size line): a timeout per read lets a trickle through, a byte at a
    time."""

    def __init__(self, end: Optional[float]) -> None:
        self._end = end
        self._sock: Optional[socket.socket] = None
        self._timer: Optional[threading.Timer] = None
        self.fired = False  # then whatever was read since may be cut short where it looks whole
        # a timer's cancel stops it only while it waits: one that has woken runs on, and shut the
        # socket after its call had ended and the connection was kept, midway through the next
        # call's answer on it. Once cancel() returns, ``fired`` is final and the socket is left
        self._settled = threading.Lock()
        self._cancelled = False

    def watch(self, sock: socket.socket) -> None:
        if self._end is None:
            return
        self._sock = sock
        timer = threading.Timer(max(self._end - time.monotonic(), 0.0), self._shut)
        timer.daemon = True
        if _started(timer):  # else each read's timeout, which runs to the deadline, bounds it
            self._timer = timer

    def follow(self, sock: socket.socket) -> None:
        """The socket the call reads through from now on: over HTTPS the TLS one, which took
        the descriptor over from the one connected. Before, the watchdog shut the one connected,
        left without a descriptor: nothing happened, and a trickling answer over HTTPS ran past
        the deadline for as long as it trickled (99 s of a 1.5 s deadline)."""
        self._sock = sock

    def cancel(self) -> None:
        with self._settled:
            self._cancelled = True
        if self._timer is not None:
            self._timer.cancel()

    def _shut(self) -> None:
        with self._settled:
            if self._cancelled:
                return
            self.fired = True
            try:
                # the plain socket's shutdown, also of a TLS one: its TLS state stays the reader's
                socket.socket.shutdown(self._sock, socket.SHUT_RDWR)  # type: ignore[arg-type]
            except OSError:
                pass  # closed already


# the sockets of this process's calls and of its idle keep-alive connections, closed in a child
# forked from it (whose pools forget the idle ones: connections.Pool): the child's copy of a call
# in flight would keep its connection open after the parent is done with it, or killed, for as
# long as the child lives (a pre-fork server's worker, a DataLoader's
# worker forked while the upload after a miss runs), and the service would wait meanwhile for the
# rest of an upload's body, holding one of its store's upload permits
_OPEN_SOCKETS: "weakref.WeakSet[socket.socket]" = weakref.WeakSet()


def _close_parents_sockets() -> None:
    """In a forked child: closes its copies of the parent's sockets, without a word on the wire
    (no shutdown: the parent's calls go on over the same connections). The threads that used
    them are not in the child."""
    for sock in list(_OPEN_SOCKETS):
        if sock.fileno() >= 0:
            try:
                os.close(sock.detach())  # close() alone waits for the response's file to close
            except OSError:
                pass
    _OPEN_SOCKETS.clear()
    forget_parents_connections()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_parents_sockets)


# OpenSSL's verify codes for a certificate that names another host or IP address: a CA bundle
# would not help there, the host in the service's URL would
_NAMES_ANOTHER_HOST = {62, 64}  # X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH


def _not_verified(error: ssl.SSLCertVerificationError, host: str) -> str:
    """What to set when the service's certificate was not accepted."""
    if error.verify_code in _NAMES_ANOTHER_HOST:
        return ("the service's certificate does not name the host %s: use in the service's URL "
                "(PT2CACHE_URL) a host name the certificate was issued for" % host)
    return ("the service's certificate is not trusted: set %s (or SSL_CERT_FILE) to the PEM "
            "file of the CA that signed it" % CA_BUNDLE)


# OpenSSL's reasons for a handshake that fails the same way however often it is tried: the other
# end does not speak TLS (an https:// URL for a plain-HTTP port: its answer, "HTTP/1.1 400", read
# as a TLS record; "record layer failure" on OpenSSL 3.2 and later), or the two ends share no TLS
# version or application protocol. A handshake cut short (UNEXPECTED_EOF_WHILE_READING, a reset, a
# timeout: a load balancer restarting) is not one of them, and is retried; nor is the generic
# handshake_failure alert (SSLV3_ALERT_HANDSHAKE_FAILURE), which one terminator of several behind
# the name also sends while it has no certificate for it (mid-rotation, mid-rollout): the next
# connection may reach another
_HANDSHAKE_REFUSED = {
    "WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "UNSUPPORTED_PROTOCOL",
    "TLSV1_ALERT_PROTOCOL_VERSION", "NO_PROTOCOLS_AVAILABLE", "TLSV1_ALERT_NO_APPLICATION_PROTOCOL",
}


def _handshake_refused(base_url: str) -> str:
    """What is likely wrong when the service's end refused, or did not speak, TLS."""
    return ("the TLS handshake with %s fails the same way whenever it is tried: the port may "
            "speak plain HTTP (use http:// in PT2CACHE_URL, or the port of the service's TLS), "
            "or a proxy or load balancer on the way ends TLS with another TLS version or "
            "application protocol (ALPN) than this client's OpenSSL (%s) offers"
            % (base_url, ssl.OPENSSL_VERSION))


class _CountedSSLSocket(ssl.SSLSocket):
    """An HTTPS call's socket: it takes the connection's descriptor over from the one the call
    connected (which gives it up, and is then no longer closed in a child), so it is counted
    among those a forked child closes before its handshake."""

    def do_handshake(self, block: bool = False) -> None:
        _OPEN_SOCKETS.add(self)
        super().do_handshake(block)


def _started(thread: threading.Thread) -> bool:
    """Starts the thread; False where the interpreter starts none. Python 3.12.0 to 3.12.2 refuse
    any new thread once the interpreter is exiting (cpython#113964), which is when a process that
    ends right after its miss waits for the upload after it: every connection of that upload
    failed, and a short job never filled the cache."""
    try:
        thread.start()
        return True
    except RuntimeError:
        return False


def _connect_resolving_within(address: Tuple[str, int], timeout: Any = None,
                              source_address: Any = None,
                              end: Optional[float] = None) -> socket.socket:
    """``socket.create_connection``, with the name lookup bounded by the same timeout: the
    system's resolver has none of its own (a resolver that does not answer costs 10 s or more
    per call), and a cache must never hold a compile that long. With ``end`` (a
    ``time.monotonic()``), the lookup and every address tried share the time left."""
    host, port = address
    bound = timeout if isinstance(timeout, (int, float)) else None

    def left() -> Optional[float]:
        if end is None:
            return bound
        remaining = end - time.monotonic()
        if remaining <= 0:
            raise socket.timeout("no connection to %s within the deadline" % host)
        return remaining if bound is None else min(bound, remaining)

    found: Dict[str, Any] = {}

    def resolve() -> None:
        try:
            found["addresses"] = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
        except Exception as e:  # OSError, and UnicodeError for a name IDNA cannot encode
            found["error"] = e if isinstance(e, OSError) else OSError(
                "cannot resolve %r: %s" % (host, e))

    wait = left()
    resolver = threading.Thread(target=resolve, name="pt2cache-resolve", daemon=True)
    if _started(resolver):
        resolver.join(wait)
    else:  # bounded by the system resolver's own timeouts only
        resolve()
    if resolver.is_alive():
        raise socket.timeout("resolving %s took over %.1f s" % (host, wait))
    if "error" in found:
        raise found["error"]
    last: Optional[OSError] = None
    for family, kind, proto, _, where in found["addresses"]:
        sock = socket.socket(family, kind, proto)
        _OPEN_SOCKETS.add(sock)  # from the first moment a child forked now could hold it open
        try:
            wait = left()
            if wait is not None:
                sock.settimeout(wait)
            if source_address:
                sock.bind(source_address)
            sock.connect(where)
            sock.settimeout(bound)  # each read's own bound; the watchdog keeps the deadline
            return sock
        except OSError as e:
            last = e
            sock.close()
    raise last or OSError("no address for %s" % host)


# the services (host, port) this process was told of sending its token over plain HTTP
_WARNED_PLAIN_HTTP: Set[Tuple[str, Optional[int]]] = set()
_WARNED_PLAIN_HTTP_LOCK = threading.Lock()


def _warn_plain_http(host: Optional[str], port: Optional[int]) -> None:
    """A token sent in the clear to another host can be read, and reused, by anyone on the path:
    said once per process and service (a serving process may build its client more than once),
    naming the service, never the token. Loopback is this host's own traffic. A fleet that means
    it (a network only it reaches) quiets it with the ``pt2cache.plain_http`` logger's level."""
    if host is None or _loopback(host):
        return
    with _WARNED_PLAIN_HTTP_LOCK:
        if (host, port) in _WARNED_PLAIN_HTTP:
            return
        _WARNED_PLAIN_HTTP.add((host, port))
    logging.getLogger("pt2cache.plain_http").warning(
        "pt2cache: the token goes to %s over plain HTTP, readable by anyone on the way: use "
        "https:// for a service on another host", host if port is None else "%s:%d" % (host, port))


def _loopback(host: str) -> bool:
    name = host.lower().rstrip(".")  # "localhost." is the same name, fully qualified
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    # ::ffff:127.0.0.1 is IPv4's loopback, which Python before 3.13 does not call loopback
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


# visible ASCII: what a bearer token may hold (RFC 6750's b64token is narrower still)
_HEADER_SAFE = re.compile(r"[\x21-\x7e]+")


def _refused_header(e: ValueError) -> bool:
    return isinstance(e, UnicodeEncodeError) or str(e).startswith("Invalid header")


def _header_name(error: str, headers: Dict[str, str]) -> str:
    """Which header http.client refused, by name: its error quotes the value, which may be a
    secret."""
    for name, value in headers.items():
        if repr(value.encode("latin-1", "replace")) in error or repr(value) in error:
            return name
    return "a header"


def _past(end: Optional[float]) -> bool:
    return end is not None and time.monotonic() >= end


def _problem(response: Response) -> Tuple[Optional[Dict[str, Any]], Optional[str]]:
    """The answer's problem details, or, where it has none, what its page says: the title of an
    HTML page (a proxy's "413 Request Entity Too Large") or the start of its text."""
    try:
        data = response.read()
    except (CacheError, OSError):
        return None, None
    if "json" in response.headers.get("content-type", ""):
        try:
            return json.loads(data), None
        except ValueError:
            pass
    return None, _page(data)


def _page(data: bytes) -> Optional[str]:
    text = data.decode("utf-8", "replace")
    title = re.search(r"<title>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    if title:
        text = title.group(1)
    elif re.search(r"<[a-zA-Z!]", text):
        text = re.sub(r"<[^>]*>", " ", text)
    text = " ".join(text.split())
    return text[:120] or None


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
