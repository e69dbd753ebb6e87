#!/usr/bin/env bash
# Packs the benchmark for a machine with no Java, no Maven and no network (bench/run-offline.sh runs
# it there): a jlink'd Java runtime, wrk and pgbench with the libraries they link (glibc's aside),
# the test class path (test frameworks and containers left out), and the service as a jar whose
# manifest names its runtime class path (the jars its packaged jar nests). Two archives, .bench-a
# and .bench-b at the repository's root (git ignores both through .git/info/exclude), each small
# enough to travel apart: unpack both into one folder. Takes about 6 minutes on 2 cores; wrk and
# pgbench must be installed here (apt-get install wrk postgresql-client).
#   bash bench/pack-offline.sh
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
JDK=${JDK:-/usr/lib/jvm/temurin-25-jdk-amd64}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
./mvnw -q -B -Dspotless.check.skip=true -Djacoco.skip=true clean test-compile
./mvnw -q -B dependency:build-classpath -Dmdep.outputFile="$work/cp.txt"
./mvnw -q -B dependency:build-classpath -DincludeScope=runtime -Dmdep.outputFile="$work/rt.txt"
tr ':' '\n' <"$work/cp.txt" |
  grep -v -E 'testcontainers|docker-java|archunit|assertj|/junit/|junit-|spring-test|mockito|/jna/|opentest4j|apiguardian|duct-tape' >"$work/jars"
mkdir -p "$work/lib" "$work/app" "$work/target" "$work/tools/bin" "$work/tools/lib"
# the runtime and the tools, about 30 MB compressed, travel with the first half
python3 bench/split_jars.py "$work/jars" "$work" 30e6
python3 - "$work" "$work/rt.txt" <<'PY'
import os, sys, zipfile
work, rt = sys.argv[1:3]
# the service as a thin jar: its runtime class path, the same jars its fat jar nests
runtime = ["../lib/" + os.path.basename(p) for p in open(rt).read().strip().split(":")]
missing = [r for r in runtime if not os.path.exists(os.path.join(work, "lib", os.path.basename(r)))]
assert not missing, missing
entries = runtime + ["../app/classes/"]
manifest = "Manifest-Version: 1.0\r\nMain-Class: dev.pt2cache.Pt2CacheApplication\r\n"
cp = "Class-Path: " + " ".join(entries)
# manifest lines at most 72 bytes: continuation lines start with a space
out, first = [], True
while cp:
    take = 72 if first else 71
    out.append(("" if first else " ") + cp[:take])
    cp, first = cp[take:], False
manifest += "\r\n".join(out) + "\r\n\r\n"
with zipfile.ZipFile(os.path.join(work, "target", "pt2-compile-cache-bench.jar"), "w") as z:
    z.writestr("META-INF/MANIFEST.MF", manifest)
PY
cp -r target/classes "$work/app/classes"
cp -r target/test-classes "$work/app/test-classes"
rm -rf "$work/app/test-classes/fixtures"
pgbench=$(ls /usr/lib/postgresql/*/bin/pgbench | sort -V | tail -1)
for tool in "$(command -v wrk)" "$pgbench"; do
  name=$(basename $tool)
  cp "$tool" "$work/tools/lib/$name.bin"
  ldd "$tool" | awk '/=>/ {print $3}' | grep -v -E 'libc\.so|libm\.so|libpthread|libresolv|libdl\.so|ld-linux' |
    xargs -I{} cp -n {} "$work/tools/lib/"
  printf '#!/bin/sh\nd=$(dirname "$(readlink -f "$0")")/../lib\nLD_LIBRARY_PATH=$d exec "$d/%s.bin" "$@"\n' "$name" >"$work/tools/bin/$name"
  chmod +x "$work/tools/bin/$name"
done
"$JDK/bin/jlink" --add-modules java.se,jdk.net,jdk.unsupported,jdk.crypto.ec,jdk.management,jdk.zipfs,jdk.httpserver,jdk.naming.dns,jdk.crypto.cryptoki,jdk.jfr,jdk.management.agent \
  --strip-debug --no-header-files --no-man-pages --compress=zip-0 --output "$work/jre"
rm -rf .bench-a .bench-b
mkdir -p .bench-a .bench-b
for folder in /.bench-a/ /.bench-b/; do
  grep -qxF "$folder" .git/info/exclude 2>/dev/null || echo "$folder" >>.git/info/exclude
done
(cd "$work" && tar -cf - jre tools -T a) | xz -T2 -9 >.bench-a/a.tar.xz
(cd "$work" && tar -cf - app target -T b) | xz -T2 -9 >.bench-b/b.tar.xz
du -sh .bench-a .bench-b
