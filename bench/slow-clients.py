#!/usr/bin/env python3
"""Slow and stalled clients against one instance, while probes measure everyone else (ADR 0036).

A hand tool, not a benchmark: start an instance (README, "Quick start"), then
usage: python3 bench/slow-clients.py PORT MODE COUNT SECONDS   (e.g. 18212 upload-trickle 300 45)
It uses the local admin token and the namespace `default`; spool files are counted in /tmp.
MODE: none | headers | upload-stall | upload-trickle | entry-stall | entry-trickle | download-stall
UPLOAD_MIB (environment, default 1): the size the upload modes declare; over the part size (8 MB)
they are streamed uploads, and a probe then uploads 12 MiB artifacts too (streamed ones).
"""
import hashlib, http.client, json, os, random, socket, sys, threading, time, uuid, glob

PORT, MODE, COUNT, SECONDS = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
TOKEN = "pt2cache-local-admin-token"
NS = "/v1/namespaces/default"
AUTH = {"Authorization": "Bearer " + TOKEN}
UPLOAD_MIB = int(os.environ.get("UPLOAD_MIB", "1"))


def call(method, path, body=None, headers=None, timeout=60):
    c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=timeout)
    h = dict(AUTH)
    h.update(headers or {})
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


def descriptor(model):
    return {"model": {"name": model, "version": "1"}, "software": {"torch": "2.11.0"},
            "hardware": {"gpu": "H100"}, "compile": {"mode": "default"}}


def declare(model, data, sha256=None, size=None):
    st, body = call("POST", NS + "/artifacts", {"kind": "mega-cache", "descriptor": descriptor(model),
                                                "sha256": sha256 or hashlib.sha256(data).hexdigest(),
                                                "sizeBytes": len(data) if size is None else size})
    assert st in (200, 201), (st, body)
    return json.loads(body)


def upload(model, data):
    a = declare(model, data)
    if a.get("uploadUrl"):
        st, body = call("PUT", a["uploadUrl"], data, {"Content-Type": "application/octet-stream"})
        assert st == 200, (st, body)
        a = json.loads(body)
    return a


def raw(head, body=b""):
    s = socket.create_connection(("127.0.0.1", PORT))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(head.encode() + body)
    return s


# ---- setup
big = os.urandom(24 << 20)
RUN = uuid.uuid4().hex[:8]
big_art = upload("rv-h2-big-" + RUN, big)
small = os.urandom(4096)
small_art = upload("rv-h2-small-" + RUN, small)
entry_key = "rv-h2-small-" + uuid.uuid4().hex
st, _ = call("PUT", NS + "/entries/fx-graph/" + entry_key, small,
             {"X-Content-SHA256": hashlib.sha256(small).hexdigest()})
assert st == 201, st

# ---- attackers
socks, trickle = [], []
stop = threading.Event()


def trickler():
    while not stop.is_set():
        for s in list(trickle):
            try:
                s.send(b"a")
            except OSError:
                trickle.remove(s)
                socks.append(s)
        stop.wait(1.0)


threading.Thread(target=trickler, daemon=True).start()
t0 = time.time()
for i in range(COUNT):
    try:
        if MODE == "headers":
            s = raw("GET %s/artifacts/%s HTTP/1.1\r\nHost: x\r\nX-A: " % (NS, small_art["id"]))
            trickle.append(s)
        elif MODE.startswith("upload"):
            # never sent in full: any digest will do
            size = UPLOAD_MIB << 20
            a = declare("rv-h2-up-" + uuid.uuid4().hex, b"", os.urandom(32).hex(), size)
            s = raw("PUT %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: "
                    "application/octet-stream\r\nContent-Length: %d\r\n\r\n"
                    % (a["uploadUrl"], TOKEN, size), os.urandom(4096))
            (trickle if MODE.endswith("trickle") else socks).append(s)
        elif MODE.startswith("entry"):
            s = raw("PUT %s/entries/fx-graph/rv-h2-e-%s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    "%s\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n"
                    % (NS, uuid.uuid4().hex, TOKEN, 1 << 20), os.urandom(4096))
            (trickle if MODE.endswith("trickle") else socks).append(s)
        elif MODE == "download-stall":
            s = raw("GET %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n"
                    % (big_art["downloadUrl"], TOKEN))
            socks.append(s)
    except OSError as e:
        print("attacker", i, "failed:", e)
print("opened %d attackers (%s) in %.1f s" % (len(socks) + len(trickle), MODE, time.time() - t0), flush=True)

# ---- probes
results = {}
lock = threading.Lock()


def record(op, ok, secs, status):
    with lock:
        r = results.setdefault(op, {"ok": 0, "n": 0, "lat": [], "statuses": {}})
        r["n"] += 1
        r["ok"] += ok
        r["lat"].append(secs)
        r["statuses"][status] = r["statuses"].get(status, 0) + 1


def probe(op, fn):
    while not stop.is_set():
        t = time.time()
        try:
            status = fn()
        except Exception as e:
            status = type(e).__name__
        record(op, status in (200, 201), time.time() - t, status)
        stop.wait(0.2)


def lookup():
    return call("POST", NS + "/lookups", {"kind": "mega-cache", "descriptor": descriptor("rv-h2-small-" + RUN)})[0]


def small_get():
    return call("GET", small_art["downloadUrl"])[0]


def entry_get():
    return call("GET", NS + "/entries/fx-graph/" + entry_key)[0]


def entry_put():
    d = os.urandom(2048)
    return call("PUT", NS + "/entries/fx-graph/rv-h2-p-" + uuid.uuid4().hex, d,
                {"X-Content-SHA256": hashlib.sha256(d).hexdigest()})[0]


def entry_put_nodigest():
    return call("PUT", NS + "/entries/fx-graph/rv-h2-q-" + uuid.uuid4().hex, os.urandom(2048))[0]


def artifact_upload():
    d = os.urandom(16384)
    a = declare("rv-h2-p-" + uuid.uuid4().hex, d)
    return call("PUT", a["uploadUrl"], d, {"Content-Type": "application/octet-stream"})[0]


LARGE = os.urandom(12 << 20)


def large_upload():
    d = LARGE[:-8] + os.urandom(8)
    a = declare("rv-h2-l-" + uuid.uuid4().hex, d)
    return call("PUT", a["uploadUrl"], d, {"Content-Type": "application/octet-stream"})[0]


probes = [("lookup", lookup), ("artifact GET 4KiB", small_get), ("entry GET", entry_get),
          ("entry PUT digest", entry_put), ("entry PUT no digest", entry_put_nodigest),
          ("artifact upload 16KiB", artifact_upload)]
if UPLOAD_MIB > 8:
    probes.append(("artifact upload 12MiB", large_upload))
threads = [threading.Thread(target=probe, args=p, daemon=True) for p in probes]
for t in threads:
    t.start()

# pt2cache_entry_spools_used is the spool slots' gauge, exported only by builds before ADR 0036's
# second amendment (kept for runs against those); pt2cache_entry_spool_bytes replaced it
METRICS = ["tomcat_connections_current_connections", "pt2cache_store_uploads_permits_used",
           "pt2cache_store_uploads_waiting", "pt2cache_store_downloads_active",
           "pt2cache_store_downloads_waiting", "pt2cache_entry_spools_used", "pt2cache_entry_spool_bytes", "pt2cache_store_uploads_buffered_bytes",
           "hikaricp_connections_active{", "jvm_threads_live_threads"]
peak = {}
heap = []
spool_peak = 0
end = time.time() + SECONDS
while time.time() < end:
    try:
        c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        c.request("GET", "/actuator/prometheus")
        text = c.getresponse().read().decode()
        c.close()
        h = 0
        for line in text.splitlines():
            for m in METRICS:
                if line.startswith(m):
                    peak[m] = max(peak.get(m, 0), float(line.rsplit(" ", 1)[1]))
            if line.startswith('jvm_memory_used_bytes') and 'area="heap"' in line:
                h += float(line.rsplit(" ", 1)[1])
        heap.append(h)
    except Exception as e:
        print("metrics failed", e)
    spool_peak = max(spool_peak, len(glob.glob("/tmp/pt2cache-upload-*.bin")))
    time.sleep(2)
stop.set()
for t in threads:
    t.join(70)


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100 * len(xs)))] if xs else float("nan")


print("mode=%s count=%d seconds=%d" % (MODE, COUNT, SECONDS))
for op, r in results.items():
    print("  %-22s %4d calls  ok %5.1f%%  p50 %6.3f s  p99 %6.3f s  %s"
          % (op, r["n"], 100.0 * r["ok"] / r["n"], pct(r["lat"], 50), pct(r["lat"], 99), r["statuses"]))
print("  peaks:", ", ".join("%s=%g" % (k.rstrip("{"), v) for k, v in peak.items()),
      "heap max %.0f MB" % (max(heap) / 2**20 if heap else 0), "spool files max", spool_peak)
alive = 0
for s in socks + trickle:
    try:
        s.setblocking(False)
        d = s.recv(200)
        if not d:
            pass
    except BlockingIOError:
        alive += 1
    except OSError:
        pass
print("  attackers still open without an answer: %d of %d" % (alive, len(socks) + len(trickle)), flush=True)
for s in socks + trickle:
    s.close()
