#!/usr/bin/env bash
# An instance killed with kill -9 during a housekeeping run, on the embedded default (one
# PostgreSQL and bucket kept across the restart under KILL_DATA). Seeds KILL_ENTRIES entries,
# retires them, asks for a purge that deletes one at a time, kills the instance KILL_AFTER seconds
# into it, starts it again, and prints how long the purge lock kept the job from running and what
# GET /v1/housekeeping/runs says of the killed run. A probe, not a test: docs/adr/0006 ("an
# instance killed mid-run") holds what it showed; KilledRunTest pins the behaviour.
#
# Settings: KILL_PORT (18080), KILL_DATA (a new temporary directory), KILL_ENTRIES (600),
# KILL_AFTER (2.5), and any PT2CACHE_* setting for the service.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${KILL_PORT:-18080}
DATA=${KILL_DATA:-$(mktemp -d /tmp/pt2cache-killed-XXXX)}
URL=http://localhost:$PORT
AUTH="Authorization: Bearer pt2cache-local-admin-token"
export PT2CACHE_PORT=$PORT PT2CACHE_GRACE=0s PT2CACHE_DELETE_BATCH=1 PT2CACHE_PURGE_INTERVAL=1h

start() {
  setsid ./mvnw -o -q -B -Dspotless.check.skip=true -Djacoco.skip=true spring-boot:test-run \
    -Dspring-boot.run.jvmArguments=-Dpt2cache.data="$DATA" >> "$DATA.log" 2>&1 &
  until curl -sf "$URL/actuator/health/readiness" > /dev/null; do sleep 1; done
}

start
python3 - "$URL" "${KILL_ENTRIES:-600}" <<'PY'
import hashlib, json, sys, urllib.request, concurrent.futures as cf
base, n = sys.argv[1] + "/v1/namespaces/default", int(sys.argv[2])
auth = {"Authorization": "Bearer pt2cache-local-admin-token"}
def put(i):
    body = b"killed-instance entry %d" % i
    headers = {**auth, "X-Content-SHA256": hashlib.sha256(body).hexdigest(),
               "Content-Type": "application/octet-stream"}
    request = urllib.request.Request(f"{base}/entries/fx-graph/killed{i:05d}", body, headers, method="PUT")
    return urllib.request.urlopen(request).status
with cf.ThreadPoolExecutor(8) as pool:
    print("entries stored:", sorted(set(pool.map(put, range(n)))))
retire = json.dumps({"selector": {"kind": "fx-graph"}, "reason": "killed-instance probe"}).encode()
request = urllib.request.Request(f"{base}/invalidations", retire, {**auth, "Content-Type": "application/json"})
print("retired:", json.load(urllib.request.urlopen(request))["invalidated"])
PY
curl -s -m 120 -X POST -H "$AUTH" "$URL/v1/housekeeping/jobs/purge/runs" > /dev/null &
sleep "${KILL_AFTER:-2.5}"
kill -9 "$(pgrep -f "java -Dpt2cache.data=$DATA")"
killed=$(date +%s)
echo "killed during the purge at $(date -u +%T)"
start
echo "restarted after $(($(date +%s) - killed)) s; the killed run as the API shows it:"
curl -s -H "$AUTH" "$URL/v1/housekeeping/runs?job=purge&limit=1"; echo
until [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "$AUTH" "$URL/v1/housekeeping/jobs/purge/runs")" = 200 ]; do
  sleep 5
done
echo "purge ran again $(($(date +%s) - killed)) s after the kill; the runs now:"
curl -s -H "$AUTH" "$URL/v1/housekeeping/runs?job=purge&limit=2"; echo
curl -s "$URL/actuator/prometheus" | grep '^pt2cache_housekeeping_runs_abandoned_total{.*job="purge"' || true
kill "$(pgrep -f "java -Dpt2cache.data=$DATA")"
