# syntax=docker/dockerfile:1

# Build: the Maven wrapper, the contract (openapi.yaml) and the migrations (db/) are all inputs.
FROM eclipse-temurin:17-jdk AS build
WORKDIR /build
COPY .mvn/ .mvn/
COPY mvnw pom.xml openapi.yaml ./
COPY db/ db/
COPY src/ src/
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -DskipTests package \
 && cp target/pt2-compile-cache-*.jar /build/app.jar

# Run: a JRE and the jar, as an unprivileged user. The code builds for Java 17; it runs on 25,
# where requests are served on virtual threads (PT2CACHE_VIRTUAL_THREADS, docs/adr/0007).
FROM eclipse-temurin:25-jre
RUN groupadd --system pt2cache \
 && useradd --system --gid pt2cache --home-dir /app --shell /usr/sbin/nologin pt2cache
WORKDIR /app
COPY --from=build /build/app.jar app.jar
USER pt2cache
EXPOSE 8080
# Heap from the container's memory limit, all of it from the start (docs/adr/0010); entries
# without a declared digest spool to /tmp. Out of memory, the JVM exits for its restart policy
# rather than serve on half-broken.
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:InitialRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
ENTRYPOINT ["java", "-jar", "app.jar"]
