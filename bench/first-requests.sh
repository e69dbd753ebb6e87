#!/usr/bin/env bash
# A just-started instance's first requests: builds the service, starts PostgreSQL and S3Proxy, then
# starts the packaged jar FIRST_STARTS times (3) and prints, per operation, its first, second and
# tenth latency once readiness says UP, and the slowest of 16 requests at once (a compile's
# workers). A benchmark, not a test: it prints numbers and never fails on them.
#
# Settings: FIRST_STARTS, BENCH_JAVA (the service's JVM), BENCH_SERVICE_OPTS (its options,
# -Xms256m -Xmx256m), and any PT2CACHE_* setting for the service.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B -DskipTests -Dspotless.check.skip=true package
./mvnw -q -B dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
exec java -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" dev.pt2cache.bench.FirstRequests
