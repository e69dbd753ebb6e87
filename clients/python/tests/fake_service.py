"""A service that misbehaves on purpose, over a real socket: each connection's request is read
and handed to a function that answers as it likes (slowly, cut short, with a proxy's page)."""

import json
import socket
import ssl
import threading
from typing import Any, Callable, Dict, List, Optional


class FakeService:
    """Listens on a free port of 127.0.0.1 until closed; ``requests`` holds each request line."""

    def __init__(self, answer: Callable[[socket.socket, int], None],
                 tls: Optional[ssl.SSLContext] = None) -> None:
        self.answer = answer
        self._tls = tls
        self.requests: List[str] = []
        self.headers: List[Dict[str, str]] = []
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
            reader.read(int(headers.get("content-length", "0")))
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
