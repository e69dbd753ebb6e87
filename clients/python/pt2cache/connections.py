"""Keep-alive: the idle connections of one ``Transport``, for its next calls.

A node far from the service (another zone or region, 10 to 100 ms away) or behind a TLS load
balancer paid a TCP round trip, and over HTTPS a handshake, for every call, and a name lookup too,
when each call opened a connection of its own: the adapter's reads of PyTorch's entries are one
call per graph and per autotuned kernel, serially, on the compile's path. Standard library only,
as urllib3 and requests pool: a connection goes back only once its answer was read to the end,
and is taken again only while it has been idle well under the time the service keeps it
(docs/adr/0041).
"""

import http.client
import select
import ssl
import threading
import time
import weakref
from typing import List, Optional, Tuple

KEEP_ALIVE = 15.0
"""Seconds a connection may stay idle and still be taken again: well below the service's own 75 s
(``PT2CACHE_HTTP_KEEP_ALIVE_TIMEOUT``; 60 s before, docs/adr/0042) and the 60 s of a proxy or
balancer in front of it, so that their close of an idle connection is never on its way while a
request is."""

POOL_SIZE = 10
"""Idle connections kept at most; more threads calling at once open more, closed once done."""

_POOLS: "weakref.WeakSet[Pool]" = weakref.WeakSet()


class Pool:
    """Idle connections to one service, the most recently used taken first. Thread-safe."""

    def __init__(self, size: int = POOL_SIZE, keep_alive: float = KEEP_ALIVE) -> None:
        self.size = size
        self.keep_alive = keep_alive
        self._lock = threading.Lock()
        self._idle: List[Tuple[float, http.client.HTTPConnection]] = []
        _POOLS.add(self)

    def take(self) -> Optional[http.client.HTTPConnection]:
        """An idle connection that is still open, or None: one idle too long, or that the
        service closed (or wrote to, unasked) meanwhile, is closed and passed over."""
        while True:
            with self._lock:
                if not self._idle:
                    return None
                since, connection = self._idle.pop()
            if time.monotonic() - since < self.keep_alive and _quiet(connection):
                return connection
            connection.close()

    def give(self, connection: http.client.HTTPConnection) -> None:
        """Keeps a connection whose answer was read to its end, unless the pool is full."""
        if self.size <= 0 or self.keep_alive <= 0 or connection.sock is None:
            connection.close()
            return
        connection.auto_open = 0  # never reconnected behind the caller's back (deadline, fork)
        now = time.monotonic()
        with self._lock:
            expired = [c for since, c in self._idle if now - since >= self.keep_alive]
            self._idle = [(since, c) for since, c in self._idle if now - since < self.keep_alive]
            full = len(self._idle) >= self.size
            if not full:
                self._idle.append((now, connection))
        for c in expired + ([connection] if full else []):
            c.close()

    def __del__(self) -> None:
        # a client dropped with connections idle closes them now, not when the service does
        for _, connection in getattr(self, "_idle", []):
            try:
                connection.close()
            except Exception:  # at the interpreter's exit, say
                pass

    def _forget(self) -> None:
        """In a forked child: the parent's connections are the parent's (the child's copies of
        their sockets are closed already, transport's fork hook); the lock may have been held by
        a thread the child does not have."""
        self._lock = threading.Lock()
        self._idle = []


def _quiet(connection: http.client.HTTPConnection) -> bool:
    """Whether an idle connection has nothing to read: a service that closed it has sent its
    end (or its reset), and anything else unasked for means the connection is not in step."""
    sock = connection.sock
    if sock is None or sock.fileno() < 0:
        return False
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return False
    try:
        if hasattr(select, "poll"):  # any descriptor number, where select() stops at 1,024
            poller = select.poll()
            poller.register(sock, select.POLLIN | select.POLLPRI)
            return not poller.poll(0)
        return not select.select([sock], [], [], 0)[0]
    except (OSError, ValueError):
        return False


def forget_parents_connections() -> None:
    """In a forked child, once its copies of the parent's sockets are closed (transport's fork
    hook calls it then): no pool hands the child one of the parent's connections."""
    for pool in list(_POOLS):
        pool._forget()
