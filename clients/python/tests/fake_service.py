"""A service that misbehaves on purpose, over a real socket: each connection's request is read
and handed to a function that answers as it likes (slowly, cut short, with a proxy's page)."""

import json
import socket
import ssl
import threading
from typing import Any, Callable, Dict, List, Optional


class FakeService:
    """Listens on a free port of 127.0.0.1 until closed; ``requests`` holds each request line,
    ``connections`` counts the connections accepted (those whose TLS handshake failed included)."""

    def __init__(self, answer: Callable[[socket.socket, int], None],
                 tls: Optional[ssl.SSLContext] = None) -> None:
        self.answer = answer
        self._tls = tls
        self.requests: List[str] = []
        self.bodies: List[bytes] = []
        self.headers: List[Dict[str, str]] = []
        self.connections = 0
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.url = "%s://127.0.0.1:%d" % ("https" if tls else "http",
                                          self._listener.getsockname()[1])
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            # counted before the handshake is answered, so before the client can fail on it
            self.connections += 1
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        if self._tls is not None:
            try:
                connection = self._tls.wrap_socket(connection, server_side=True)
            except OSError:
                connection.close()
                return
        with connection:
            reader = connection.makefile("rb")
            line = reader.readline().decode().strip()
            headers: Dict[str, str] = {}
            while True:
                header = reader.readline().decode()
                if header in ("\r\n", "\n", ""):
                    break
                name, _, value = header.partition(":")
                headers[name.strip().lower()] = value.strip()
            self.bodies.append(reader.read(int(headers.get("content-length", "0"))))
            self.headers.append(headers)
            self.requests.append(line)
            try:
                self.answer(connection, len(self.requests))
            except OSError:
                pass  # the client went away, as some tests want it to

    def __enter__(self) -> "FakeService":
        return self

    def __exit__(self, *exc: Any) -> None:
        self._listener.close()


def head(status: int, length: int, content_type: str = "application/json",
         headers: Optional[Dict[str, str]] = None) -> bytes:
    """A status line and headers for a body of ``length`` bytes."""
    lines = ["HTTP/1.1 %d X" % status, "Content-Type: " + content_type,
             "Content-Length: %d" % length, "Connection: close"]
    lines += ["%s: %s" % item for item in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def whole(status: int, body: Any, content_type: str = "application/json",
          headers: Optional[Dict[str, str]] = None) -> Callable[[socket.socket, int], None]:
    """An answer sent at once."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()

    def answer(connection: socket.socket, _: int) -> None:
        connection.sendall(head(status, len(data), content_type, headers) + data)

    return answer


class KeepAliveService:
    """A service that keeps a connection open between requests (HTTP/1.1), as the real one's
    Tomcat does, and closes one left idle for ``idle`` seconds. ``connections`` counts the
    connections it accepted, ``closed`` those it has closed, ``requests`` the request lines it
    read, each body read whole first; ``answer(handler, n)`` answers the n-th request (``reply``
    sends a whole answer)."""

    def __init__(self, answer: Callable[[Any, int], None], idle: float = 30.0,
                 tls: Optional[ssl.SSLContext] = None) -> None:
        import http.server

        service = self
        self.connections = 0
        self.closed = 0
        self.requests: List[str] = []
        lock = threading.Condition()
        self._lock = lock

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # as Tomcat does: a body sent after its headers goes at once, not after the client's
            # delayed acknowledgement of them (about 40 ms an answer with Nagle's algorithm on)
            disable_nagle_algorithm = True
            timeout = idle  # a read that waits longer, the next request's first, ends it

            def setup(self) -> None:
                super().setup()
                with lock:
                    service.connections += 1

            def serve(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with lock:
                    service.requests.append(self.requestline)
                    n = len(service.requests)
                answer(self, n)

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = serve

            def log_message(self, *args: Any) -> None:
                pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that went away, as some tests want it to

            def shutdown_request(self, request: Any) -> None:
                super().shutdown_request(request)
                with lock:
                    service.closed += 1
                    lock.notify_all()

        self._server = Server(("127.0.0.1", 0), Handler)
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self.url = "%s://127.0.0.1:%d" % ("https" if tls else "http",
                                          self._server.server_address[1])
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def await_closed(self, count: int, timeout: float = 10.0) -> None:
        """Returns once the service has closed ``count`` connections; fails after ``timeout``."""
        with self._lock:
            if not self._lock.wait_for(lambda: self.closed >= count, timeout):
                raise AssertionError("%d of %d connections closed after %s s"
                                     % (self.closed, count, timeout))

    def __enter__(self) -> "KeepAliveService":
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()


def reply(handler: Any, status: int, body: Any = b"", headers: Optional[Dict[str, str]] = None,
          content_type: str = "application/json") -> None:
    """A whole answer on a keep-alive connection (a HEAD's without its body)."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(data)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(data)


class TcpServer:
    """Listens on a free port of 127.0.0.1 until closed, counts the connections made to it, and
    hands each to ``answer`` in a thread of its own (which closes it when done): what speaks on a
    port the client's URL names, whatever it speaks."""

    def __init__(self, answer: Callable[[socket.socket], None]) -> None:
        self.answer = answer
        self.connections = 0
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        try:
            self.answer(connection)
        except OSError:
            connection.close()

    def __enter__(self) -> "TcpServer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self._listener.close()


class CountingRelay(TcpServer):
    """Relays TCP connections to a service (``url``'s host and port) and counts them: how many
    connections a client's calls opened."""

    def __init__(self, url: str) -> None:
        import urllib.parse

        target = urllib.parse.urlsplit(url)
        self._to = (target.hostname, target.port or 80)
        super().__init__(self._relay)
        self.url = "%s://127.0.0.1:%d" % (target.scheme, self.port)

    def _relay(self, client: socket.socket) -> None:
        service = socket.create_connection(self._to)
        for a, b in ((client, service), (service, client)):
            threading.Thread(target=self._copy, args=(a, b), daemon=True).start()

    @staticmethod
    def _copy(source: socket.socket, target: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                target.sendall(data)
            target.shutdown(socket.SHUT_WR)
        except OSError:
            pass
