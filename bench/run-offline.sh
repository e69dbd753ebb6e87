#!/usr/bin/env bash
# The benchmark on a machine with no Java, no Maven and no network, from what bench/pack-offline.sh
# packed and was unpacked under $E: the same Benchmark class as bench/run.sh, its Java runtime, wrk
# and pgbench with their libraries, and the service as a jar that names the same class path as the
# packaged one. Runs as an unprivileged user where started as root (PostgreSQL refuses root).
#   E=/opt/bench OUT=/some/dir [BENCH_*=...] bash bench/run-offline.sh
set -euo pipefail
E=${E:-/opt/bench}
OUT=${OUT:-/tmp/bench-out}
work=/tmp/bench-work
rm -rf "$work"
mkdir -p "$OUT" "$work/tmp" "$work/out" "$E/target"
as=()
if [ "$(id -u)" = 0 ]; then
  chmod -R a+rX "$E"
  chown -R 65534:65534 "$work" "$E/target"
  as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi
cd "$E"
status=0
"${as[@]}" env HOME="$work/tmp" PATH="$E/tools/bin:$E/jre/bin:$PATH" BENCH_JAVA="$E/jre/bin/java" \
  BENCH_OUT="$work/out/benchmarks.md" \
  "$E/jre/bin/java" -Djava.io.tmpdir="$work/tmp" \
  -cp "$E/app/test-classes:$E/app/classes:$E/lib/*" dev.pt2cache.bench.Benchmark \
  >"$OUT/bench.log" 2>&1 || status=$?
cp -r "$work/out/." "$OUT/" 2>/dev/null || true
cp "$E/target/bench-service.log" "$OUT/" 2>/dev/null || true
tail -60 "$OUT/bench.log"
exit $status
