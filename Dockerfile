# syntax=docker/dockerfile:1

# Build: the Maven wrapper, the contract (openapi.yaml), the migrations (db/) and the main sources
# are all inputs; the tests are neither copied nor compiled (CI runs them), so a change to a test
# rebuilds nothing. The jar is then split into Spring Boot's layers: the dependencies (76 MB) make a
# layer of their own that a change to the service's code leaves as it was, and an extracted jar
# starts faster than the single one (measured on 2 CPUs: 8.6 and 12.9 s against 15.2 and 15.6 s).
FROM eclipse-temurin:17-jdk-noble AS build
WORKDIR /build
COPY .mvn/ .mvn/
COPY mvnw pom.xml openapi.yaml ./
COPY db/ db/
COPY src/main/ src/main/
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -Dmaven.test.skip=true package \
 && cp target/pt2-compile-cache-*.jar app.jar \
 && java -Djarmode=tools -jar app.jar extract --layers --destination extracted

# Run: a JRE and the jar, as an unprivileged user. The code builds for Java 17; it runs on 25,
# where requests are served on virtual threads (PT2CACHE_VIRTUAL_THREADS, docs/adr/0007).
FROM eclipse-temurin:25-jre-noble
# a numeric user, so that Kubernetes' runAsNonRoot can check it
RUN groupadd --system --gid 10001 pt2cache \
 && useradd --system --uid 10001 --gid pt2cache --home-dir /app --shell /usr/sbin/nologin pt2cache
WORKDIR /app
# least likely to change first; the application layer holds app.jar, which names lib/ in its manifest
COPY --from=build /build/extracted/dependencies/ ./
COPY --from=build /build/extracted/spring-boot-loader/ ./
COPY --from=build /build/extracted/snapshot-dependencies/ ./
COPY --from=build /build/extracted/application/ ./
USER 10001:10001
# the API; the actuator too unless MANAGEMENT_SERVER_PORT gives it a port of its own (docs/operations.md)
EXPOSE 8080
# Heap from the container's memory limit, committed from the start and kept (docs/adr/0010:
# InitialRAMPercentage alone lets G1 shrink it at its first cycle), at two thirds: the rest is for
# metaspace, threads, the GC's own structures and native buffers (about 300 MB measured with 2
# CPUs, 470 MB with 32). MALLOC_ARENA_MAX keeps glibc from one arena per core. Entries without a
# declared digest spool to /tmp: give it a disk volume (a read-only root filesystem needs one).
# Out of memory, the JVM writes a heap dump there and exits for its restart policy rather than
# serve on half-broken.
ENV MALLOC_ARENA_MAX=2
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=65 -XX:InitialRAMPercentage=65 -XX:MaxHeapFreeRatio=100 -XX:+ExitOnOutOfMemoryError -XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath=/tmp"
# ready when PostgreSQL and the store answer it (the image has bash, not curl). It calls the address
# the actuator listens on: MANAGEMENT_SERVER_ADDRESS on MANAGEMENT_SERVER_PORT, else SERVER_ADDRESS
# on PT2CACHE_PORT; loopback where that is every interface (unset, 0.0.0.0, ::). docs/operations.md
HEALTHCHECK --interval=10s --timeout=5s --start-period=90s --retries=3 \
  CMD ["bash", "-c", "if [ -n \"${MANAGEMENT_SERVER_PORT-}\" ]; then h=${MANAGEMENT_SERVER_ADDRESS-} p=$MANAGEMENT_SERVER_PORT; else h=${SERVER_ADDRESS-} p=${PT2CACHE_PORT:-8080}; fi; h=${h#[}; h=${h%]}; case $h in ''|0.0.0.0|::|0:0:0:0:0:0:0:0) h=127.0.0.1 ;; esac; exec 3<>/dev/tcp/$h/$p && printf 'GET /actuator/health/readiness HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["java", "-jar", "app.jar"]
