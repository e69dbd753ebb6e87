#!/usr/bin/env python3
"""A soak run: drive one running instance with a steady, capped mix of what a fleet and its
operators do, and print once a minute what might grow without bound.

Standard library only (Python 3.11). Usage, against an embedded default started with
``-Dpt2cache.data=DATA -Djava.io.tmpdir=SPOOL`` and its console in LOG:

    python3 bench/soak.py --url http://127.0.0.1:18525 --minutes 30 \\
        --data DATA --spool SPOOL --log LOG [--pid PID] [--rate 12] [--csv samples.csv]

The token comes from ``--token`` or ``PT2CACHE_ADMIN_TOKEN`` (the embedded default's otherwise).
``--pid`` defaults to the process listening on the URL's port. Each sample first asks the JVM
for a full collection (``jcmd PID GC.run``), so the heap figures are what stays live.

The mix, at most ``--rate`` operations a second (each one to four requests: about 13 requests a
second at the default 12): lookups (hits and misses), small artifact uploads and, every
``--large-every`` seconds, one of 10 to 20 MiB (the streamed path), and every
``--large-cut-every`` seconds one of 14 to 20 MiB cut off after 12 MiB; downloads (whole and
ranged), entry PUT and GET (300 B and 64 KiB), uploads cut off mid-body, uploads with a wrong
digest, invalidations by selector, a blocking rule made and lifted, reports, tokens issued and
revoked, and a namespace with a 4 MiB quota that keeps eviction running.
"""

import argparse
import base64
import hashlib
import http.client
import json
import os
import random
import re
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter

NAMESPACE = "soak"
TINY = "soak-tiny"
SAMPLE_COLUMNS = [
    "min", "ops", "heap_mb", "old_mb", "meta_mb", "classes", "threads", "rss_mb", "fds", "hk_act", "hk_idle",
    "hk_pend", "buffered", "spool_b", "pg_sess", "ready", "pending", "invalidated", "evicted",
    "stale_pend",
    "blobs", "evictions", "hk_runs", "invals", "tokens", "reports", "db_mb", "objects", "spool_files",
    "warn", "error", "series",
]


def descriptor(model, version="1", torch="2.11.0+cu130"):
    return {
        "model": {"name": model, "version": version},
        "software": {"torch": torch, "triton": "3.6.0", "cuda": "13.0", "python": "3.12.3"},
        "hardware": {"gpu": "NVIDIA H100 80GB HBM3", "capability": "9.0"},
        "compile": {"backend": "inductor", "mode": "default", "dynamic": False},
    }


class Api:
    """One keep-alive connection per thread; a call answers (status, headers, body bytes)."""

    def __init__(self, url, token):
        parsed = urllib.parse.urlsplit(url)
        self.host, self.port = parsed.hostname, parsed.port or 80
        self.token = token
        self.local = threading.local()
        self.statuses = Counter()
        self.lock = threading.Lock()

    def _connection(self):
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            self.local.conn = conn
        return conn

    def call(self, method, path, body=None, headers=None, token=None, count=True):
        heads = {"Authorization": "Bearer " + (token or self.token)}
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            heads["Content-Type"] = "application/json"
        elif body is not None:
            heads["Content-Type"] = "application/octet-stream"
        heads.update(headers or {})
        for attempt in range(2):
            conn = self._connection()
            try:
                conn.request(method, path, body=body, headers=heads)
                response = conn.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, OSError):
                conn.close()
                self.local.conn = None
                if attempt:
                    raise
        if count:
            with self.lock:
                self.statuses[f"{method} {_shape(path)} {response.status}"] += 1
        return response.status, response.headers, data

    def cut_off(self, path, size, sent):
        """Declares ``size`` bytes in Content-Length, sends ``sent`` of them and hangs up."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        conn.putrequest("PUT", path)
        conn.putheader("Authorization", "Bearer " + self.token)
        conn.putheader("Content-Type", "application/octet-stream")
        conn.putheader("Content-Length", str(size))
        conn.endheaders()
        conn.send(os.urandom(sent))
        time.sleep(0.2)
        conn.sock.close()
        conn.close()
        with self.lock:
            self.statuses[f"PUT {_shape(path)} cut"] += 1


def _shape(path):
    path = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "{id}", path)
    path = re.sub(r"/entries/([^/]+)/[^/]+", r"/entries/\1/{key}", path)
    return path.split("?")[0]


class Mix:
    """The operations, each a method; ``step`` runs one chosen by weight."""

    def __init__(self, api):
        self.api = api
        self.ready = []  # (namespace, id, size, model) of artifacts last seen ready
        self.entry_keys = []
        self.serial = 0
        self.ops = 0

    def ns(self, namespace=NAMESPACE):
        return f"/v1/namespaces/{namespace}"

    def setup(self):
        self.api.call("PUT", self.ns(), {"quotaBytes": 256 << 20, "invalidateAfterReports": 3})
        self.api.call("PUT", self.ns(TINY), {"quotaBytes": 4 << 20})

    def next_model(self, prefix="m"):
        self.serial += 1
        return f"soak-{prefix}{self.serial}"

    def upload(self, namespace, model, size, wrong_digest=False):
        body = os.urandom(size)
        digest = hashlib.sha256(body).hexdigest()
        declared = hashlib.sha256(body + b"x").hexdigest() if wrong_digest else digest
        status, _, data = self.api.call(
            "POST",
            self.ns(namespace) + "/artifacts",
            {"kind": "mega-cache", "descriptor": descriptor(model), "sha256": declared,
             "sizeBytes": size},
        )
        if status != 201:
            return None
        artifact = json.loads(data)
        if artifact["state"] == "pending":
            status, _, data = self.api.call("PUT", artifact["uploadUrl"], body)
            if status != 200:
                return None
        self.ready.append((namespace, artifact["id"], size, model))
        del self.ready[:-200]
        return artifact["id"]

    def op_small_upload(self):
        namespace = TINY if random.random() < 0.5 else NAMESPACE
        self.upload(namespace, self.next_model(), random.randint(20_000, 400_000))

    def op_lookup(self):
        if self.ready and random.random() < 0.6:
            namespace, _, _, model = random.choice(self.ready)
        else:
            namespace, model = NAMESPACE, f"soak-absent-{random.randint(0, 10**6)}"
        self.api.call(
            "POST", self.ns(namespace) + "/lookups",
            {"kind": "mega-cache", "descriptor": descriptor(model)},
        )

    def op_download(self):
        if not self.ready:
            return
        namespace, artifact, size, _ = random.choice(self.ready)
        path = f"{self.ns(namespace)}/artifacts/{artifact}/content"
        if random.random() < 0.5:
            self.api.call("GET", path)
        else:
            start = random.randint(0, max(0, size - 1024))
            self.api.call("GET", path, headers={"Range": f"bytes={start}-{start + 1023}"})

    def op_entry_put(self):
        key = base64.b32encode(os.urandom(30)).decode().lower().rstrip("=")
        body = os.urandom(300 if random.random() < 0.7 else 64 << 10)
        status, _, _ = self.api.call(
            "PUT", f"{self.ns()}/entries/fx-graph/{key}", body,
            {"X-Content-SHA256": hashlib.sha256(body).hexdigest()} if random.random() < 0.5
            else {},
        )
        if status in (200, 201):
            self.entry_keys.append(key)
            del self.entry_keys[:-500]

    def op_entry_get(self):
        if self.entry_keys and random.random() < 0.7:
            key = random.choice(self.entry_keys)
        else:
            key = base64.b32encode(os.urandom(30)).decode().lower().rstrip("=")
        method = "HEAD" if random.random() < 0.3 else "GET"
        self.api.call(method, f"{self.ns()}/entries/fx-graph/{key}")

    def op_cut_off(self):
        size = random.randint(200_000, 2_000_000)
        status, _, data = self.api.call(
            "POST", self.ns() + "/artifacts",
            {"kind": "mega-cache", "descriptor": descriptor(self.next_model("cut")),
             "sha256": hashlib.sha256(os.urandom(8)).hexdigest(), "sizeBytes": size},
        )
        if status == 201:
            self.api.cut_off(json.loads(data)["uploadUrl"], size, size // 3)

    def large_cut_off(self):
        size = random.randint(14, 20) << 20
        status, _, data = self.api.call(
            "POST", self.ns() + "/artifacts",
            {"kind": "mega-cache", "descriptor": descriptor(self.next_model("bigcut")),
             "sha256": hashlib.sha256(os.urandom(8)).hexdigest(), "sizeBytes": size},
        )
        if status == 201:
            self.api.cut_off(json.loads(data)["uploadUrl"], size, 12 << 20)

    def op_wrong_digest(self):
        self.upload(NAMESPACE, self.next_model("bad"), random.randint(10_000, 100_000), True)

    def op_invalidate(self):
        if not self.ready:
            return
        namespace, _, _, model = random.choice(self.ready)
        self.api.call(
            "POST", self.ns(namespace) + "/invalidations",
            {"selector": {"modelName": model}, "reason": "soak: retire one model"},
        )
        self.ready = [r for r in self.ready if r[3] != model]

    def op_block_and_lift(self):
        model = self.next_model("blocked")
        status, _, data = self.api.call(
            "POST", self.ns() + "/invalidations",
            {"selector": {"modelName": model}, "reason": "soak: block", "block": True},
        )
        self.upload(NAMESPACE, model, 1000)  # refused while the rule is in force
        if status == 201:
            rule = json.loads(data)["id"]
            self.api.call("POST", f"{self.ns()}/invalidations/{rule}/lift", {})

    def op_report(self):
        if not self.ready:
            return
        namespace, artifact, _, _ = random.choice(self.ready)
        self.api.call(
            "POST", f"{self.ns(namespace)}/artifacts/{artifact}/reports",
            {"problem": "load-failed", "detail": "soak", "node": f"node-{random.randint(0, 9)}"},
        )

    def op_token(self):
        status, _, data = self.api.call(
            "POST", "/v1/tokens",
            {"name": f"soak-t{self.next_model('')[5:]}", "role": "read", "namespace": NAMESPACE},
        )
        if status != 201:
            return
        token = json.loads(data)
        self.api.call(
            "POST", self.ns() + "/lookups",
            {"kind": "mega-cache", "descriptor": descriptor("soak-absent")}, token=token["token"],
        )
        self.api.call("DELETE", f"/v1/tokens/{token['id']}")

    def op_listing(self):
        self.api.call("GET", self.ns() + "/artifacts?limit=20")

    WEIGHTS = {
        "lookup": 30, "download": 12, "entry_put": 12, "entry_get": 15, "small_upload": 8,
        "cut_off": 1, "wrong_digest": 1, "invalidate": 1, "block_and_lift": 0.5, "report": 2,
        "token": 0.5, "listing": 1,
    }

    def step(self):
        name = random.choices(list(self.WEIGHTS), weights=list(self.WEIGHTS.values()))[0]
        getattr(self, "op_" + name)()
        self.ops += 1


def drive(mix, rate, stop):
    interval = 1.0 / rate
    next_at = time.monotonic()
    while not stop.is_set():
        try:
            mix.step()
        except Exception as error:  # noqa: BLE001 - a failed call is counted, the soak goes on
            mix.api.statuses[f"client-error {type(error).__name__}"] += 1
        next_at += interval
        delay = next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        else:
            next_at = time.monotonic()


def drive_large(mix, every, stop):
    """One 10 to 20 MB upload, then a whole download of it, every ``every`` seconds."""
    while not stop.wait(every):
        try:
            artifact = mix.upload(NAMESPACE, mix.next_model("large"), random.randint(10, 20) << 20)
            if artifact:
                mix.api.call("GET", f"{mix.ns()}/artifacts/{artifact}/content")
        except Exception as error:  # noqa: BLE001
            mix.api.statuses[f"client-error {type(error).__name__}"] += 1


def drive_large_cut_offs(mix, every, stop):
    while not stop.wait(every):
        try:
            mix.large_cut_off()
        except Exception as error:  # noqa: BLE001
            mix.api.statuses[f"client-error {type(error).__name__}"] += 1


def prometheus(api):
    _, _, data = api.call("GET", "/actuator/prometheus", count=False)
    metrics = {}
    for line in data.decode().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name, _, value = line.rpartition(" ")
        try:
            metrics[name] = float(value)
        except ValueError:
            pass
    return metrics


def summed(metrics, prefix, *needles):
    return sum(
        v for k, v in metrics.items()
        if k.startswith(prefix) and all(n in k for n in needles)
    )


def psql(port, sql):
    result = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "postgres",
         "-At", "-F", "|", "-c", sql],
        capture_output=True, text=True, env={**os.environ, "PGPASSWORD": "postgres"},
        timeout=60,
    )
    return [line.split("|") for line in result.stdout.splitlines() if line]


def database(data_dir):
    with open(os.path.join(data_dir, "postgres", "postmaster.pid")) as pid_file:
        port = int(pid_file.read().splitlines()[3])
    figures = {}
    for state, count in psql(port, "select state, count(*) from artifact group by state"):
        figures[state.lower()] = int(count)
    tables = {"blob": "blobs", "eviction": "evictions", "housekeeping_run": "hk_runs",
              "invalidation": "invals", "api_token": "tokens", "artifact_report": "reports"}
    sql = " union all ".join(f"select '{t}', count(*) from {t}" for t in tables)
    for table, count in psql(port, sql):
        figures[tables[table]] = int(count)
    figures["stale_pend"] = int(psql(
        port, "select count(*) from artifact where state = 'PENDING'"
        " and upload_expires_at < now()")[0][0])
    figures["db_mb"] = round(int(psql(port, "select pg_database_size(current_database())")[0][0])
                             / 2**20)
    figures["pg_sess"] = int(psql(
        port, "select count(*) from pg_stat_activity where pid <> pg_backend_pid()"
        " and backend_type = 'client backend' and usename = 'postgres'")[0][0])
    return figures


def files_under(path):
    return sum(len(files) for _, _, files in os.walk(path))


def process(pid):
    with open(f"/proc/{pid}/status") as status:
        rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))
    return {"rss_mb": round(rss / 1024), "fds": len(os.listdir(f"/proc/{pid}/fd"))}


def log_levels(path):
    warn = error = 0
    with open(path, errors="replace") as log:
        for line in log:
            if " WARN " in line or '"WARN"' in line:
                warn += 1
            elif " ERROR " in line or '"ERROR"' in line:
                error += 1
    return {"warn": warn, "error": error}


def sample(args, api, mix, started):
    subprocess.run(["jcmd", str(args.pid), "GC.run"], capture_output=True, timeout=60)
    time.sleep(1)
    m = prometheus(api)
    row = {
        "min": round((time.monotonic() - started) / 60, 1),
        "ops": mix.ops,
        "heap_mb": round(summed(m, "jvm_memory_used_bytes{", 'area="heap"') / 2**20),
        "old_mb": round(summed(m, "jvm_memory_used_bytes{", "Old Gen") / 2**20),
        "meta_mb": round(summed(m, "jvm_memory_used_bytes{", "Metaspace") / 2**20),
        "classes": int(summed(m, "jvm_classes_loaded_classes")),
        "threads": int(summed(m, "jvm_threads_live_threads")),
        "hk_act": int(summed(m, "hikaricp_connections_active")),
        "hk_idle": int(summed(m, "hikaricp_connections_idle")),
        "hk_pend": int(summed(m, "hikaricp_connections_pending")),
        "buffered": int(summed(m, "pt2cache_store_uploads_buffered_bytes")),
        "spool_b": int(summed(m, "pt2cache_entry_spool_bytes")),
        "series": len(m),
    }
    row.update(process(args.pid))
    row.update(database(args.data))
    row["objects"] = files_under(os.path.join(args.data, "s3"))
    row["spool_files"] = sum(1 for name in os.listdir(args.spool) if name.startswith("pt2cache-"))
    row.update(log_levels(args.log))
    gauges = {k: v for k, v in m.items() if k.startswith("pt2cache_") and not re.search(
        r"_total|_count\{|_sum\{|_bucket\{|_max\{|_seconds", k)}
    return row, gauges


def pid_on_port(port):
    out = subprocess.run(["ss", "-Hltnp", f"sport = :{port}"], capture_output=True, text=True)
    match = re.search(r"pid=(\d+)", out.stdout)
    if not match:
        sys.exit(f"nothing listens on port {port}: give --pid")
    return int(match.group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("PT2CACHE_URL", "http://127.0.0.1:8080"))
    parser.add_argument("--token", default=os.environ.get(
        "PT2CACHE_ADMIN_TOKEN", "pt2cache-local-admin-token"))
    parser.add_argument("--pid", type=int)
    parser.add_argument("--data", required=True, help="the embedded default's pt2cache.data")
    parser.add_argument("--spool", required=True, help="the service's java.io.tmpdir")
    parser.add_argument("--log", required=True, help="the service's console, as a file")
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--rate", type=float, default=12, help="operations a second, at most")
    parser.add_argument("--large-every", type=float, default=90, help="seconds between large")
    parser.add_argument("--large-cut-every", type=float, default=150,
                        help="seconds between large uploads cut off")
    parser.add_argument("--every", type=float, default=60, help="seconds between samples")
    parser.add_argument("--csv", help="also write every sample here")
    parser.add_argument("--gauges", help="write every sample's pt2cache_ gauges here (JSON lines)")
    args = parser.parse_args()
    args.pid = args.pid or pid_on_port(urllib.parse.urlsplit(args.url).port or 80)

    api = Api(args.url, args.token)
    mix = Mix(api)
    mix.setup()
    stop = threading.Event()
    threads = [
        threading.Thread(target=drive, args=(mix, args.rate, stop), daemon=True),
        threading.Thread(target=drive_large, args=(mix, args.large_every, stop), daemon=True),
        threading.Thread(
            target=drive_large_cut_offs, args=(mix, args.large_cut_every, stop), daemon=True),
    ]
    started = time.monotonic()
    csv = open(args.csv, "w") if args.csv else None
    gauges_out = open(args.gauges, "w") if args.gauges else None
    print(" ".join(SAMPLE_COLUMNS), flush=True)
    if csv:
        print(",".join(SAMPLE_COLUMNS), file=csv, flush=True)

    def emit():
        row, gauges = sample(args, api, mix, started)
        print(" ".join(str(row.get(c, 0)) for c in SAMPLE_COLUMNS), flush=True)
        if csv:
            print(",".join(str(row.get(c, 0)) for c in SAMPLE_COLUMNS), file=csv, flush=True)
        if gauges_out:
            print(json.dumps({"min": row["min"], **gauges}), file=gauges_out, flush=True)

    emit()
    for thread in threads:
        thread.start()
    deadline = started + args.minutes * 60
    while time.monotonic() < deadline:
        time.sleep(min(args.every, max(0.0, deadline - time.monotonic())))
        emit()
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    print("answers:", flush=True)
    for key, count in sorted(api.statuses.items()):
        print(f"  {count:7d}  {key}", flush=True)


if __name__ == "__main__":
    main()
