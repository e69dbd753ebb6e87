#!/usr/bin/env bash
# The benchmark in one command: builds the service, starts it on its embedded default
# (PostgreSQL 17 and S3Proxy) or targets a running deployment (BENCH_URL, BENCH_JDBC_URL,
# BENCH_DB_USER, BENCH_DB_PASSWORD, BENCH_S3_ENDPOINT, BENCH_S3_ACCESS_KEY, BENCH_S3_SECRET_KEY,
# BENCH_S3_BUCKET), runs every scenario, prints the table and writes docs/benchmarks.md and
# docs/benchmarks.png. A benchmark, not a test: it prints numbers and never fails on them.
#
# Settings: BENCH_SECONDS (per measurement, 10), BENCH_QUICK=1 (no 1 GiB transfers, no 10^6
# artifacts), BENCH_ONLY (some of lookup,entries,transfer,growth), BENCH_JAVA (the JVM for the service; a Java 24+ one runs it on virtual threads),
# BENCH_SERVICE_OPTS (its options, -Xmx256m), BENCH_LOAD_THREADS (wrk's and pgbench's
# threads, 2; more on a machine of many cores), and any PT2CACHE_* setting for the service.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in wrk pgbench; do
  if ! command -v "$tool" >/dev/null; then
    echo "installing $tool (Debian package)"
    package=$tool; [ "$tool" = pgbench ] && package=postgresql-client
    (apt-get install -y "$package" || (apt-get update && apt-get install -y "$package")) >/dev/null
  fi
done
./mvnw -q -B -DskipTests -Dspotless.check.skip=true package
./mvnw -q -B dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
exec java -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" dev.pt2cache.bench.Benchmark
