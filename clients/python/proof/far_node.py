"""A serving node far from the service: the client's calls through a relay that delays each
chunk by D ms in each direction, for the client README's section "A node far from the service".

Run from clients/python against a running service (the embedded default will do):

  python proof/far_node.py bench --url http://127.0.0.1:18240 --token pt2cache-local-admin-token

Subcommands:

  relay  --listen PORT --to HOST:PORT --delay MS [--count FILE]
         a TCP relay: every chunk reaches the other side MS later, in both directions, and a new
         connection's first chunk 2 x MS later still (the round trip of its TCP handshake, which
         the relay's own loopback handshake does not cost). FILE holds the number of
         connections accepted.
  tls    --listen PORT --to HOST:PORT --cert PEM --key PEM
         a TLS terminator in front of a plain HTTP service (as a load balancer would be).
  bench  times, at D = 0, 10, 25 and 50 ms (0 to 100 ms round trip), over HTTP and HTTPS:
         40 entry GETs of the sizes of a real resnet50 compile's cache files (bytes of a real
         Mega-Cache), a lookup and download of the real 6.5 MB resnet50 Mega-Cache, and an
         upload of the real 2.8 MB GPT-2 Mega-Cache (made unique); prints one JSON line per
         measurement, with the connections the relay accepted. FAR_NODE_CLIENT names another
         copy of the client to measure (an earlier commit's, for a before).

Standard library only; the relay and the terminator run as processes of their own, so their
work does not share the client's interpreter.
"""

import argparse
import asyncio
import json
import os
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from typing import List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
# the client measured: this folder's, or another copy's (an earlier commit's, for a before)
sys.path.insert(0, os.environ.get("FAR_NODE_CLIENT", os.path.dirname(HERE)))
FIXTURES = os.environ.get("PT2_FIXTURES", os.path.join(HERE, "..", "..", "..", "src", "test",
                                                       "resources", "fixtures", "pt2"))
# the sizes of the first 40 files (the one FX graph, 5.9 MB, left out) that a real resnet50
# compile left in TORCHINDUCTOR_CACHE_DIR (fixtures/pt2/inductor_cache_listing.txt, where kept):
# autotune configs and generated kernels
ENTRY_SIZES = [4410, 257, 310405, 3453, 259, 2671, 3609, 259, 4619, 258, 258, 3454, 258, 3610, 259,
               3452, 4616, 258, 3453, 259, 259, 3453, 2721, 4618, 259, 4590, 258, 259, 4617, 3454,
               258, 3607, 258, 2580, 3454, 258, 2566, 272, 4057, 21773]
ADDR = "127.0.0.1"


# the relay ---------------------------------------------------------------------------------

async def _delayed_pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float,
                        first_extra: float) -> None:
    """Copies reader to writer, each chunk ``delay`` later than it came (the first
    ``first_extra`` later still), without holding back the chunks behind it."""
    loop = asyncio.get_running_loop()
    queue: "asyncio.Queue[Tuple[float, bytes]]" = asyncio.Queue()

    async def feed() -> None:
        extra = first_extra
        while True:
            try:
                data = await reader.read(256 * 1024)
            except OSError:
                data = b""
            await queue.put((loop.time() + delay + extra, data))
            extra = 0.0
            if not data:
                return

    feeding = asyncio.ensure_future(feed())
    try:
        while True:
            due, data = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:
                if writer.can_write_eof():
                    writer.write_eof()
                else:  # TLS has no half close: the other side learns of the close at once
                    writer.close()
                return
            writer.write(data)
            await writer.drain()
    except OSError:
        writer.close()
    finally:
        feeding.cancel()


def _quiet_on_sigterm() -> None:
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))


def relay(listen: int, to: str, delay_ms: float, count: Optional[str]) -> None:
    _quiet_on_sigterm()
    host, port = to.rsplit(":", 1)
    delay = delay_ms / 1000.0
    accepted = [0]

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted[0] += 1
        if count:
            with open(count, "w") as f:
                f.write(str(accepted[0]))
        try:
            up_reader, up_writer = await asyncio.open_connection(host, int(port))
        except OSError:
            writer.close()
            return
        await asyncio.gather(_delayed_pipe(reader, up_writer, delay, 2 * delay),
                             _delayed_pipe(up_reader, writer, delay, 0.0),
                             return_exceptions=True)
        for w in (writer, up_writer):
            w.close()

    async def main() -> None:
        server = await asyncio.start_server(serve, ADDR, listen)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def terminator(listen: int, to: str, cert: str, key: str) -> None:
    _quiet_on_sigterm()
    host, port = to.rsplit(":", 1)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(host, int(port))
        except OSError:
            writer.close()
            return
        await asyncio.gather(_delayed_pipe(reader, up_writer, 0.0, 0.0),
                             _delayed_pipe(up_reader, writer, 0.0, 0.0),
                             return_exceptions=True)
        for w in (writer, up_writer):
            w.close()

    async def main() -> None:
        server = await asyncio.start_server(serve, ADDR, listen, ssl=context)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


# the bench ---------------------------------------------------------------------------------

def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind((ADDR, 0))
        return s.getsockname()[1]


def _wait_listening(port: int) -> None:
    import socket
    for _ in range(100):
        try:
            socket.create_connection((ADDR, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("nothing listens on %d" % port)


def _start(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, os.path.abspath(__file__)] + list(args))


def bench(url: str, token: str, delays: List[int], rounds: int, https: bool) -> None:
    from pt2cache import CacheClient

    with open(os.path.join(FIXTURES, "mega_resnet50_default.bin"), "rb") as f:
        resnet = f.read()
    with open(os.path.join(FIXTURES, "mega_gpt2_default.bin"), "rb") as f:
        gpt2 = f.read()
    direct = CacheClient(url, "far-" + uuid.uuid4().hex[:8], token=token)
    direct.put_namespace()
    keys = []
    for i, size in enumerate(ENTRY_SIZES):
        key = "far-%d" % i
        direct.put_entry("autotune", key, resnet[i * 1000:i * 1000 + size])
        keys.append(key)
    descriptor = {"model": {"name": "resnet50", "version": "far"},
                  "software": {"torch": "2.11.0+cu130"}, "hardware": {"gpu": "H100"}}
    direct.upload("mega-cache", resnet, descriptor=descriptor)

    schemes = [("http", None)]
    keep = tempfile.mkdtemp()
    procs = []
    if https:
        cert, key = os.path.join(keep, "cert.pem"), os.path.join(keep, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", key, "-out", cert], check=True, capture_output=True)
        os.environ["SSL_CERT_FILE"] = cert
        tls_port = _free_port()
        procs.append(_start("tls", "--listen", str(tls_port), "--to", url.split("//")[1],
                            "--cert", cert, "--key", key))
        _wait_listening(tls_port)
        schemes.append(("https", "%s:%d" % (ADDR, tls_port)))
    try:
        for scheme, behind in schemes:
            for delay in delays:
                port, count = _free_port(), os.path.join(keep, "count")
                relay_proc = _start("relay", "--listen", str(port), "--to",
                                    behind or url.split("//")[1], "--delay", str(delay),
                                    "--count", count)
                _wait_listening(port)
                time.sleep(0.3)  # the relay counts the probe's connection first
                try:
                    _measure("%s://%s:%d" % (scheme, ADDR, port), direct.namespace, token,
                             keys, descriptor, gpt2, delay, scheme, rounds, count)
                finally:
                    relay_proc.terminate()
                    relay_proc.wait()
    finally:
        for p in procs:
            p.terminate()
            p.wait()


def _measure(url: str, namespace: str, token: str, keys: List[str], descriptor: dict,
             gpt2: bytes, delay: int, scheme: str, rounds: int, count: str) -> None:
    from pt2cache import CacheClient

    def accepted() -> int:
        try:
            with open(count) as f:
                return int(f.read() or 0)
        except OSError:
            return 0

    def entries(client: CacheClient) -> None:
        for key in keys:
            assert client.get_entry("autotune", key) is not None

    def warm(client: CacheClient) -> None:
        hit = client.lookup("mega-cache", descriptor)
        assert hit["hit"], hit
        with tempfile.TemporaryDirectory() as d:
            client.download(hit["artifact"], os.path.join(d, "blob"))

    def upload(client: CacheClient) -> None:
        unique = uuid.uuid4().hex
        client.upload("mega-cache", gpt2 + unique.encode(),
                      descriptor=dict(descriptor, model={"name": "gpt2", "version": unique}))

    for name, work in (("40 entry GETs", entries), ("lookup + 6.5 MB download", warm),
                       ("2.8 MB upload", upload)):
        times, connections = [], []
        for _ in range(rounds):
            client = CacheClient(url, namespace, token=token)  # a fresh client: a node's first
            before = accepted()
            started = time.monotonic()
            work(client)
            times.append(time.monotonic() - started)
            time.sleep(0.3)  # the relay notes its last connection
            connections.append(accepted() - before)
        print(json.dumps({"scheme": scheme, "delayMs": delay, "rttMs": 2 * delay, "what": name,
                          "medianS": round(statistics.median(times), 3),
                          "runsS": [round(t, 3) for t in times],
                          "connections": connections}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("relay")
    r.add_argument("--listen", type=int, required=True)
    r.add_argument("--to", required=True)
    r.add_argument("--delay", type=float, required=True)
    r.add_argument("--count")
    t = sub.add_parser("tls")
    t.add_argument("--listen", type=int, required=True)
    t.add_argument("--to", required=True)
    t.add_argument("--cert", required=True)
    t.add_argument("--key", required=True)
    b = sub.add_parser("bench")
    b.add_argument("--url", required=True)
    b.add_argument("--token", default=os.environ.get("PT2CACHE_TOKEN"))
    b.add_argument("--delays", default="0,10,25,50")
    b.add_argument("--rounds", type=int, default=3)
    b.add_argument("--no-https", action="store_true")
    args = parser.parse_args()
    if args.command == "relay":
        relay(args.listen, args.to, args.delay, args.count)
    elif args.command == "tls":
        terminator(args.listen, args.to, args.cert, args.key)
    else:
        bench(args.url, args.token, [int(d) for d in args.delays.split(",")], args.rounds,
              not args.no_https)


if __name__ == "__main__":
    main()
