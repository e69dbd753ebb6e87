"""What Nagle's algorithm would cost the client's calls on kept connections, for ADR 0041's
amendment of 2026-12-07: one client (its connections reused), N sequential calls of each kind it
makes, timed, with its sockets as they are (http.client sets TCP_NODELAY as it connects) or with
TCP_NODELAY cleared after each connect (``--nodelay off``).

Run from clients/python against a running service (the embedded default will do):

  python proof/nagle.py --url http://127.0.0.1:18535 --token pt2cache-local-admin-token
  python proof/nagle.py --url http://127.0.0.1:18535 --token pt2cache-local-admin-token \
      --nodelay off

Prints the median and 99th percentile of each kind of call, then the connections opened and the
TCP_NODELAY they had.
"""

import argparse
import http.client
import os
import socket
import sys
import tempfile
import time
import uuid
from typing import Callable, List

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from pt2cache import CacheClient  # noqa: E402


def descriptor(model: str) -> dict:
    return {"model": {"name": model, "version": "1"},
            "software": {"torch": "2.11.0+cu130", "triton": "3.6.0", "cuda": "13.0",
                         "python": "3.12.3"},
            "hardware": {"gpu": "NVIDIA H100 80GB HBM3", "capability": "9.0"},
            "compile": {"backend": "inductor", "mode": "default"}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--token")
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--nodelay", choices=("as-is", "off"), default="as-is")
    args = parser.parse_args()

    seen: List[int] = []
    connect = http.client.HTTPConnection.connect

    def observed(self: http.client.HTTPConnection) -> None:
        connect(self)
        if args.nodelay == "off":
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 0)
        seen.append(self.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    http.client.HTTPConnection.connect = observed  # type: ignore[method-assign]

    client = CacheClient(args.url, "nagle-" + uuid.uuid4().hex[:8], token=args.token)
    client.put_namespace()
    directory = tempfile.mkdtemp()
    n = args.calls

    def timed(name: str, calls: int, call: Callable[[], object]) -> None:
        call()  # the first may open the connection
        took = []
        for _ in range(calls):
            started = time.perf_counter()
            call()
            took.append((time.perf_counter() - started) * 1000)
        took.sort()
        print("%-20s n=%3d  p50 %7.1f ms  p99 %7.1f ms" % (
            name, calls, took[len(took) // 2], took[min(len(took) - 1, int(len(took) * 0.99))]),
            flush=True)

    def upload(size: int) -> dict:
        path = os.path.join(directory, "artifact.bin")
        with open(path, "wb") as f:
            f.write(os.urandom(size))  # new bytes each time: the PUT of them is not skipped
        return client.upload("mega-cache", path, descriptor=descriptor(uuid.uuid4().hex[:10]))

    timed("upload file 1 KiB", n, lambda: upload(1024))
    timed("upload file 64 KiB", n, lambda: upload(64 * 1024))
    timed("upload file 1 MiB", max(n // 4, 10), lambda: upload(1024 * 1024))
    timed("put_entry 300 B", n,
          lambda: client.put_entry("fx-graph", uuid.uuid4().hex, os.urandom(300)))
    timed("put_entry 64 KiB", n,
          lambda: client.put_entry("fx-graph", uuid.uuid4().hex, os.urandom(64 * 1024)))
    client.put_entry("fx-graph", "read", os.urandom(300))
    timed("get_entry 300 B", n, lambda: client.get_entry("fx-graph", "read"))
    model = uuid.uuid4().hex[:10]
    artifact = client.upload("mega-cache", os.urandom(64 * 1024), descriptor=descriptor(model))
    timed("lookup (hit)", n, lambda: client.lookup("mega-cache", descriptor(model)))
    timed("download 64 KiB", n, lambda: client.download_bytes(artifact))
    timed("invalidate", n, lambda: client.invalidate(
        {"modelName": "none-" + uuid.uuid4().hex[:8]}, "nagle proof"))
    print("connections opened: %d; their TCP_NODELAY: %s" % (len(seen), sorted(set(seen))))


if __name__ == "__main__":
    main()
