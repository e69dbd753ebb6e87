#!/usr/bin/env bash
# The live warm-start proof on a GPU machine without Java or a network (docs/warm-start-proof.md):
# starts the service on its embedded default (LocalPt2Cache: PostgreSQL and S3Proxy in-process)
# from a runtime and class path unpacked under $E, makes a namespace and a fleet's write token, and
# runs live_proof.py's processes against it, each with an empty TORCHINDUCTOR_CACHE_DIR: one per
# argument (its words are live_proof.py's; "N*words" starts N such processes at once and waits for
# all, as a fleet deploying; "far:words" runs one through far_node.py's relay, FAR_MS (25) each way, as
# a node far from the service), or the eight of docs/warm-start-proof.md's table.
#   E=/opt/e2e OUT=/some/dir bash clients/python/proof/live_run.sh ["mega --model resnet18" ...]
set -u
E=${E:-/opt/e2e}
OUT=${OUT:-/tmp/live-out}
PORT=${PORT:-18080}
URL=http://127.0.0.1:$PORT
ADMIN=pt2cache-local-admin-token
here=$(cd "$(dirname "$0")" && pwd)
# a machine still held from an earlier run keeps its data: start empty, or "nothing cached" hits
rm -rf /tmp/live-data /tmp/live-tmp
mkdir -p "$OUT" /tmp/live-data /tmp/live-tmp
chmod -R a+rX "$E"
chown 65534:65534 /tmp/live-data /tmp/live-tmp # PostgreSQL will not run as root

started=$(date +%s)
setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/tmp/live-tmp PT2CACHE_PORT=$PORT \
  "$E/jre/bin/java" -Djava.io.tmpdir=/tmp/live-tmp -Dpt2cache.data=/tmp/live-data \
  -cp "$E/app/classes:$E/app/test-classes:$E/lib/*" dev.pt2cache.LocalPt2Cache \
  >"$OUT/service.log" 2>&1 &
service=$!

call() { # METHOD PATH TOKEN [BODY]: prints the status, then the body
  python3 "$here/live_http.py" "$URL" "$@"
}

for _ in $(seq 1 180); do
  kill -0 $service 2>/dev/null || { echo "service ended before it was ready" | tee -a "$OUT/steps.log"; exit 1; }
  [ "$(call GET /actuator/health/readiness "$ADMIN" | cut -d' ' -f1)" = 200 ] && break
  sleep 1
done
echo "service ready after $(($(date +%s) - started)) s" | tee -a "$OUT/steps.log"
call PUT /v1/namespaces/gpu-live "$ADMIN" '{}' | tee -a "$OUT/steps.log"
token=$(call POST /v1/tokens "$ADMIN" '{"name":"gpu-fleet","namespace":"gpu-live","role":"write"}' |
  tee -a "$OUT/steps.log" | python3 -c 'import sys,json; print(json.loads(sys.stdin.read().split(" ",1)[1])["token"])')

export PT2CACHE_URL=$URL PT2CACHE_NAMESPACE=gpu-live PT2CACHE_TOKEN=$token PYTHONPATH=$here/..
run() {
  TORCHINDUCTOR_CACHE_DIR=$(mktemp -d) python3 "$here/live_proof.py" "$@" 2>>"$OUT/nodes.log" |
    tee -a "$OUT/live-runs.jsonl"
}
far=0
run_far() { # one process through a relay FAR_MS away each way; the connections it took logged
  far=$((far + 1))
  python3 "$here/far_node.py" relay --listen $((PORT + 1)) --to 127.0.0.1:$PORT \
    --delay "${FAR_MS:-25}" --count "$OUT/relay-$far.count" &
  local relay=$!
  for _ in $(seq 1 100); do # listening once a connection is taken (one the count leaves out)
    (exec 3<>/dev/tcp/127.0.0.1/$((PORT + 1))) 2>/dev/null && break
    sleep 0.1
  done
  PT2CACHE_URL=http://127.0.0.1:$((PORT + 1)) run "$@"
  kill -TERM $relay
  wait $relay
  echo "far run $far ($*): ${FAR_MS:-25} ms each way, $(($(cat "$OUT/relay-$far.count") - 1)) connection(s)" |
    tee -a "$OUT/steps.log"
}
if [ $# -eq 0 ]; then # the table's eight processes
  set -- mega mega mega entries entries "partial original" "partial changed" "partial original"
fi
for spec in "$@"; do
  if [[ $spec =~ ^([0-9]+)\*(.*)$ ]]; then # "8*mega ...": that many processes at once, as a fleet
    t=$(date +%s.%N) nodes=()
    for _ in $(seq 1 "${BASH_REMATCH[1]}"); do
      # shellcheck disable=SC2086
      run ${BASH_REMATCH[2]} &
      nodes+=($!)
    done
    wait "${nodes[@]}" # not a bare wait: the service is a background job too
    echo "$spec: all done after $(python3 -c "import time; print(round(time.time() - $t, 1))") s" |
      tee -a "$OUT/steps.log"
  elif [[ $spec == far:* ]]; then
    # shellcheck disable=SC2086
    run_far ${spec#far:}
  else
    # shellcheck disable=SC2086 # a run's words are live_proof.py's arguments
    run $spec
  fi
done

call GET /v1/namespaces/gpu-live "$ADMIN" >"$OUT/namespace.json"
call GET "/v1/namespaces/gpu-live/artifacts?limit=100" "$ADMIN" >"$OUT/artifacts.json"
for kind in mega-cache fx-graph aot-autograd autotune bundled-autotune pgo; do # a page of each
  call GET "/v1/namespaces/gpu-live/artifacts?limit=500&kind=$kind" "$ADMIN" | cut -d' ' -f2- |
    python3 -c "import sys,json; print('$kind', len(json.load(sys.stdin)['items']))"
done | tee "$OUT/kinds.txt"
call GET /actuator/prometheus "$ADMIN" | grep -E "^pt2cache_(lookups|entry_reads|transfer_bytes|uploads_content|namespace_)" \
  >"$OUT/metrics.txt"
kill -TERM $service
wait $service
echo "service exit $?; ERROR lines: $(grep -c ' ERROR ' "$OUT/service.log"); WARN lines: $(grep -c ' WARN ' "$OUT/service.log")" |
  tee -a "$OUT/steps.log"
