#!/usr/bin/env python3
"""PostgreSQL's sessions ended, or PostgreSQL restarted, under a mixed load: count the answers by
status and problem type, collect every 500 and every ERROR line of the service's log, and check
what must hold afterwards.

Standard library and ``psql`` only. Against an embedded default started with
``-Dpt2cache.data=DATA`` and its console in LOG:

    python3 bench/database-restarts.py --url http://127.0.0.1:18710 --data DATA --log LOG \\
        --mode terminate|restart [--seconds 30] [--every 4] [--down 3] [--threads 4]

``terminate`` ends every session whose ``application_name`` is the instance's (``pt2cache ...``)
with ``pg_terminate_backend`` every ``--every`` seconds, as docs/operations.md advises after a
leaked password. ``restart`` stops the embedded PostgreSQL (``pg_ctl stop -m fast``) every
``--every`` seconds and starts it again after ``--down`` seconds on the same port and data
directory, with the binaries and options it runs with. The mix is ``bench/soak.py``'s
(lookups hit and miss, declarations and uploads, downloads, entry PUT and GET, reports, blocking
invalidations), with uploads of 10 to 14 MiB (streamed, over the 8 MB part) and housekeeping
runs on demand added. A measurement, not a test: it prints and never fails.
"""

import argparse
import json
import os
import random
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import soak  # noqa: E402

NAMESPACE = soak.NAMESPACE = "restarts"


class CountingApi(soak.Api):
    """Counts each answer by operation, status and problem type; keeps every 500."""

    def __init__(self, url, token):
        super().__init__(url, token)
        self.answers = Counter()
        self.internal = []
        self.hits = 0

    def call(self, method, path, body=None, headers=None, token=None, count=True):
        started = time.monotonic()
        status, heads, data = super().call(method, path, body, headers, token, count=False)
        took = time.monotonic() - started
        kind = ""
        if status >= 400 and data[:1] == b"{":
            try:
                kind = json.loads(data).get("type", "").rsplit(":", 1)[-1]
            except ValueError:
                kind = "?"
        if count:
            shape = soak._shape(path)
            with self.lock:
                self.answers[(f"{method} {shape}", status, kind)] += 1
                if status >= 500 and status != 503:
                    self.internal.append((time.strftime("%H:%M:%S"), method, path, status, data[:400]))
                if status == 503 and not heads.get("Retry-After"):
                    self.answers[(f"{method} {shape}", status, kind + " NO Retry-After")] += 1
                if (shape.endswith("/lookups") and status == 200 and b'"hit":true' in data) or (
                        method == "GET" and "/entries/" in shape
                        and status in (200, 206)):
                    self.hits += 1
            if took > 20:
                with self.lock:
                    self.answers[(f"{method} {soak._shape(path)}", status, "took over 20 s")] += 1
        return status, heads, data


class Load(soak.Mix):
    WEIGHTS = {
        "lookup": 30, "download": 10, "entry_put": 12, "entry_get": 12, "small_upload": 8,
        "streamed_upload": 0.7, "invalidate": 1, "block_and_lift": 0.7, "report": 2,
        "listing": 1, "housekeeping": 0.7,
    }

    def ns(self, namespace=NAMESPACE):
        return f"/v1/namespaces/{namespace}"

    def setup(self):
        self.api.call("PUT", self.ns(), {"quotaBytes": 4 << 30})

    def op_small_upload(self):
        self.upload(NAMESPACE, self.next_model(), random.randint(20_000, 400_000))

    def op_streamed_upload(self):
        self.upload(NAMESPACE, self.next_model("s"), random.randint(10 << 20, 14 << 20))

    def op_housekeeping(self):
        job = random.choice(["retention", "purge", "reconcile"])
        self.api.call("POST", f"/v1/housekeeping/jobs/{job}/runs", b"")


# this script's own sessions are not cut by the settings it gives the service's role
UNBOUNDED = ("-c statement_timeout=0 -c lock_timeout=0 -c idle_in_transaction_session_timeout=0"
             " -c idle_session_timeout=0 -c transaction_timeout=0")


class Postgres:
    """The embedded default's PostgreSQL, found by its data directory."""

    def __init__(self, data):
        self.data = os.path.join(data, "postgres")

        with open(os.path.join(self.data, "postmaster.pid")) as pid_file:
            lines = pid_file.read().splitlines()
        self.port = int(lines[3])

    def sql(self, statement):
        result = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", "postgres",
             "-At", "-F", "|", "-c", statement],
            capture_output=True, text=True, env={**os.environ, "PGPASSWORD": "postgres",
                                                 "PGOPTIONS": UNBOUNDED},
            timeout=60,
        )
        if result.returncode:
            raise RuntimeError(result.stderr)
        return [line.split("|") for line in result.stdout.splitlines() if line]

    def cancel(self):
        """Cancels the statements the instance's sessions are running (pg_cancel_backend), as a
        DBA does with a long one: the session stays."""
        return int(self.sql(
            "select count(*) filter (where pg_cancel_backend(pid)) from pg_stat_activity"
            " where application_name like 'pt2cache %' and state <> 'idle'")[0][0])

    def hold_locks(self, seconds):
        """Holds the namespace's rules lock and its row from a session of this script's own."""
        self.sql(
            "begin; select pg_advisory_xact_lock(hashtextextended('rules:" + NAMESPACE + "', 0));"
            " select 1 from namespace where name = '" + NAMESPACE + "' for update;"
            f" select pg_sleep({seconds}); commit")

    def role_settings(self, settings):
        """Sets (NAME=VALUE) or resets (NAME) settings of the instance's role and ends its sessions,
        so that its pools log in again under them."""
        role = self.sql("select usename from pg_stat_activity where application_name like"
                        " 'pt2cache %' limit 1")[0][0]
        for setting in settings:
            name, _, value = setting.partition("=")
            self.sql(f"alter role \"{role}\" " + (f"set {name} = '{value}'" if value else f"reset {name}"))
        self.terminate()

    def terminate(self):
        return int(self.sql(
            "select count(*) filter (where pg_terminate_backend(pid)) from pg_stat_activity"
            " where application_name like 'pt2cache %'")[0][0])

    def stop(self):
        """A fast shutdown (SIGINT to the postmaster, as pg_ctl stop -m fast sends it)."""
        with open(os.path.join(self.data, "postmaster.pid")) as pid_file:
            pid = int(pid_file.readline())
        os.kill(pid, signal.SIGINT)
        while os.path.exists(f"/proc/{pid}") and not _zombie(pid):
            time.sleep(0.05)

    def start(self):
        """The postmaster again, as it was started (postmaster.opts), on its port and directory.
        PostgreSQL refuses to run as root: as root, the data directory is given to nobody and the
        server started as nobody."""
        with open(os.path.join(self.data, "postmaster.opts")) as opts:
            command = shlex.split(opts.read())
        if os.geteuid() == 0:
            subprocess.run(["chown", "-R", "65534:65534", self.data], check=True)
            command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
        with open(self.data + ".restarted.log", "ab") as log:
            subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        while True:
            try:
                self.sql("select 1")
                return
            except (RuntimeError, subprocess.TimeoutExpired):
                time.sleep(0.1)


def _zombie(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] == "Z"
    except OSError:
        return False


def drive(mix, stop):
    while not stop.is_set():
        try:
            mix.step()
        except Exception as error:  # noqa: BLE001 - a failed call is counted, the load goes on
            with mix.api.lock:
                mix.api.answers[("client", 0, type(error).__name__ + " " + str(error)[:80])] += 1


def disrupt(postgres, args, stop, events):
    while not stop.wait(args.every):
        at = time.monotonic()
        if args.mode == "terminate":
            events.append((at, f"ended {postgres.terminate()} sessions"))
        elif args.mode == "cancel":
            events.append((at, f"cancelled {postgres.cancel()} statements"))
        elif args.mode == "lock":
            threading.Thread(target=postgres.hold_locks, args=(args.down,), daemon=True).start()
            events.append((at, f"holding the rules lock and row for {args.down} s"))
        elif args.mode == "none":
            pass
        else:
            postgres.stop()
            events.append((at, "stopped"))
            time.sleep(args.down)
            postgres.start()
            events.append((time.monotonic(), "started"))


def readiness(api):
    status, _, _ = api.call("GET", "/actuator/health/readiness", count=False)
    return status


# a plain log line's head: its time, level, process, application and thread ("... ERROR 123 ---
# [pt2-compile-cache] [exec-1] "), and the count a once-per-window line ends with
LOG_HEAD = re.compile(r"^\S+\s+(ERROR|WARN)\s+\S+\s+---\s+(?:\[[^]]*\]\s+)+")
RECURRED = re.compile(r" \(and \d+ times more since the last time it was logged.*")


def log_problems(path, offset):
    """The ERROR lines, the WARN lines by logger and first words, the service's stack frames and
    Spring's lines for a rollback's or commit's failure thrown in place of the request's own."""
    errors, warnings, overridden, traces = Counter(), Counter(), Counter(), 0
    with open(path, errors="replace") as log:
        log.seek(offset)
        for line in log:
            head = LOG_HEAD.match(line)
            if head:
                text = RECURRED.sub("", line[head.end():].strip())
                if head.group(1) == "ERROR":
                    errors[text[:220]] += 1
                else:
                    warnings[text[:110]] += 1
                for what in ("rollback", "commit"):
                    if f"overridden by {what} exception" in text:
                        overridden[what] += 1
            elif line.startswith("\tat ") and "dev.pt2cache" in line:
                traces += 1
    return errors, warnings, overridden, traces


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", default=os.environ.get(
        "PT2CACHE_ADMIN_TOKEN", "pt2cache-local-admin-token"))
    parser.add_argument("--data", required=True, help="the embedded default's pt2cache.data")
    parser.add_argument("--log", required=True, help="the service's console, as a file")
    parser.add_argument("--mode", choices=["terminate", "restart", "cancel", "lock", "none"], required=True)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--every", type=float, default=4)
    parser.add_argument("--down", type=float, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--role-setting", action="append", default=[], metavar="NAME=VALUE",
                        help="set on the instance's role for the load (its sessions ended so that"
                             " they log in under it), reset after")
    args = parser.parse_args()

    postgres = Postgres(args.data)
    api = CountingApi(args.url, args.token)
    log_offset = os.path.getsize(args.log)
    mixes = [Load(api) for _ in range(args.threads)]
    mixes[0].setup()
    if args.role_setting:
        postgres.role_settings(args.role_setting)
        events_before = f"role set: {', '.join(args.role_setting)}"
    else:
        events_before = None
    hits_before = int(postgres.sql(
        f"select coalesce(sum(hit_count), 0) from artifact where namespace = '{NAMESPACE}'")[0][0])
    stop, events = threading.Event(), []
    threads = [threading.Thread(target=drive, args=(mix, stop), daemon=True) for mix in mixes]
    threads.append(threading.Thread(target=disrupt, args=(postgres, args, stop, events),
                                    daemon=True))
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(args.seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    if args.mode == "restart" and events and events[-1][1] == "stopped":
        postgres.start()
    if args.role_setting:
        postgres.role_settings([setting.partition("=")[0] for setting in args.role_setting])
        events.append((time.monotonic(), events_before + "; reset now"))
    load_end = time.monotonic()
    ready_after = None
    while time.monotonic() - load_end < 60:
        if readiness(api) == 200:
            ready_after = time.monotonic() - load_end
            break
        time.sleep(0.2)

    print(f"mode {args.mode}, {args.seconds:.0f} s, {args.threads} threads; disruptions:")
    for at, what in events:
        print(f"  {at - started:6.1f} s  {what}")
    print(f"ready again {ready_after if ready_after is None else round(ready_after, 1)} s after the load")
    print("answers (operation, status, problem type):")
    by_status = Counter()
    for (operation, status, kind), count in sorted(api.answers.items(), key=str):
        print(f"  {count:6d}  {operation} {status} {kind}")
        by_status[(status, kind)] += count
    print("by status and type:")
    for (status, kind), count in sorted(by_status.items(), key=str):
        print(f"  {count:6d}  {status} {kind}")
    for answer in api.internal:
        print("INTERNAL", answer)

    # after the load: each job run on demand, the hit flush, the invariants
    time.sleep(7)  # a hit flush (5 s)
    jobs = {}
    for job in ["retention", "purge", "reconcile"]:
        status, _, data = api.call("POST", f"/v1/housekeeping/jobs/{job}/runs", b"", count=False)
        jobs[job] = (status, json.loads(data).get("outcome", {}).get("error") if data[:1] == b"{"
                     else data[:100])
    print("jobs on demand after:", jobs)
    since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(time.time() - (time.monotonic() - load_end)))
    print("scheduled runs since the load ended:", postgres.sql(
        "select job, count(*), count(*) filter (where outcome ? 'error') from housekeeping_run"
        f" where started_at > '{since}'::timestamp at time zone current_setting('TimeZone')"
        " group by job order by job"))
    print("READY without a blob row:", postgres.sql(
        "select count(*) from artifact a where state = 'READY'"
        " and not exists (select 1 from blob b where b.sha256 = a.sha256)")[0][0])
    missing = 0
    blobs = postgres.sql("select sha256 from blob")
    bucket = os.path.join(args.data, "s3", "pt2cache")
    for (digest,) in blobs:
        if not os.path.exists(os.path.join(bucket, "blobs", "sha256", digest[:2], digest)):
            missing += 1
    print(f"blob rows without their object: {missing} of {len(blobs)}")
    hits_after = int(postgres.sql(
        f"select coalesce(sum(hit_count), 0) from artifact where namespace = '{NAMESPACE}'")[0][0])
    print(f"hits answered {api.hits}, written {hits_after - hits_before}")
    status, _, data = api.call("GET", "/actuator/prometheus", count=False)
    for line in data.decode().splitlines():
        if line.startswith(("pt2cache_hits_", "hikaricp_connections_active", "hikaricp_connections{",
                            "hikaricp_connections_pending", "pt2cache_housekeeping_unrun")):
            print("  ", line)
    errors, warnings, overridden, traces = log_problems(args.log, log_offset)
    print(f"log: {sum(errors.values())} ERROR lines, {traces} stack frames of the service,"
          f" {overridden['rollback']} 'overridden by rollback exception',"
          f" {overridden['commit']} 'overridden by commit exception'")
    for line, count in errors.most_common():
        print(f"  {count:4d}  {line}")
    print(f"log: {sum(warnings.values())} WARN lines")
    for line, count in warnings.most_common(12):
        print(f"  {count:4d}  {line}")


if __name__ == "__main__":
    main()
