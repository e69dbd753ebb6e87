#!/usr/bin/env bash
# Packs what live_run.sh needs on a GPU machine that has no Java and no network: a jlink'd Java
# runtime and the embedded default's class path (the service, PostgreSQL's binaries, S3Proxy),
# into .e2e-a and .e2e-b at the repository's root, each small enough to travel with the working
# tree in one call (git ignores both through .git/info/exclude). The jars are rewritten uncompressed
# so that xz compresses across them: the 112 MB of jars as they come take about 51 MB. Takes about
# 6 minutes on 2 cores.
#   bash clients/python/proof/live_pack.sh
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
JDK=${JDK:-/usr/lib/jvm/temurin-25-jdk-amd64}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

./mvnw -o -q -B -Dspotless.check.skip=true -Djacoco.skip=true test-compile
./mvnw -o -q -B dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$work/cp.txt"
# what only the tests use (containers, assertions) stays behind
tr ':' '\n' <"$work/cp.txt" |
  grep -v -E 'testcontainers|docker-java|archunit|assertj|/junit/|junit-|spring-test|mockito|/jna/|opentest4j|apiguardian|duct-tape' \
    >"$work/jars"
mkdir -p "$work/lib" "$work/app"
# the runtime, about 23 MB compressed, travels with the first half, the classes with the second
python3 bench/split_jars.py "$work/jars" "$work" 23e6
cp -r target/classes "$work/app/classes"
cp -r target/test-classes "$work/app/test-classes"
rm -rf "$work/app/test-classes/fixtures" # the tests' blobs; the service does not read them
"$JDK/bin/jlink" --add-modules java.se,jdk.net,jdk.unsupported,jdk.crypto.ec,jdk.management,jdk.zipfs,jdk.httpserver,jdk.naming.dns,jdk.crypto.cryptoki,jdk.jfr,jdk.management.agent \
  --strip-debug --no-header-files --no-man-pages --compress=zip-0 --output "$work/jre"

rm -rf .e2e-a .e2e-b
mkdir -p .e2e-a .e2e-b .git/info
for folder in /.e2e-a/ /.e2e-b/; do
  grep -qxF "$folder" .git/info/exclude 2>/dev/null || echo "$folder" >>.git/info/exclude
done
(cd "$work" && tar -cf - jre -T a) | xz -T2 -9 >.e2e-a/jre-lib.tar.xz
(cd "$work" && tar -cf - app -T b) | xz -T2 -9 >.e2e-b/app-lib.tar.xz
du -sh .e2e-a .e2e-b
