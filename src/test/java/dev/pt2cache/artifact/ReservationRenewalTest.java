package dev.pt2cache.artifact;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.DockerWhenContainers;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.TestInfra;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@code PT2CACHE_RESERVATION_TTL=2s}: an upload whose bytes keep coming past its reservation's end
 * keeps its reservation, so purge leaves it alone and the upload commits.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "pt2cache.uploads.reservation-ttl=2s",
      "pt2cache.housekeeping.enabled=false",
      "pt2cache.housekeeping.grace=0s",
      "pt2cache.namespaces.default-quota=1GB"
    })
@ExtendWith(DockerWhenContainers.class)
@Tag("integration")
class ReservationRenewalTest {

  /** Enough chunks, at one per 400 ms, to keep sending for 40 s while purge has not run. */
  static final int CHUNKS = 100;

  static final int CHUNK = 4 << 10;

  @LocalServerPort int port;

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    TestInfra.serviceEnvironment().forEach((name, value) -> registry.add(name, () -> value));
  }

  @Test
  void shouldKeepTheReservationOfAnUploadStillSendingPastItsEnd() throws Exception {
    ApiClient api = new ApiClient(port);
    String ns = "/v1/namespaces/renew-" + UUID.randomUUID().toString().substring(0, 8);
    assertThat(api.putJson(ns, "{}").status()).isEqualTo(201);
    byte[] bytes = Fixtures.randomBytes(CHUNKS * CHUNK);
    ApiResponse declared =
        api.postJson(
            ns + "/artifacts",
            Descriptors.upload(
                "mega-cache",
                Descriptors.of(Descriptors.uniqueModel()),
                Fixtures.sha256(bytes),
                bytes.length));
    assertThat(declared.status()).as(declared.text()).isEqualTo(201);

    AtomicBoolean purged = new AtomicBoolean();
    CompletableFuture<ApiResponse> upload =
        CompletableFuture.supplyAsync(
            () ->
                api.putStream(
                    declared.json().get("uploadUrl").asString(), () -> slowly(bytes, purged)));
    // past the reservation's first end (2 s), while the bytes still come: they trickle until purge
    // has run, however long that takes on a loaded machine, and then the rest goes at once
    TimeUnit.MILLISECONDS.sleep(3_000);
    ApiResponse purge = api.postJson("/v1/housekeeping/jobs/purge/runs", "");
    assertThat(upload.isDone()).as("still sending when purge ran").isFalse();
    purged.set(true);
    assertThat(purge.status()).as(purge.text()).isEqualTo(200);

    ApiResponse done = upload.get(30, TimeUnit.SECONDS);
    assertThat(done.status()).as(done.text()).isIn(200, 201);
    assertThat(done.json().get("state").asString()).isEqualTo("ready");
    // its own reservation was the one kept: other classes' expired reservations in the shared
    // database (the leased walk leaves some) may be dropped by the same run
    String id = declared.json().get("id").asString();
    assertThat(done.json().get("id").asString()).isEqualTo(id);
    ApiResponse kept = api.get(ns + "/artifacts/" + id);
    assertThat(kept.status()).as(kept.text()).isEqualTo(200);
    assertThat(kept.json().get("state").asString()).isEqualTo("ready");
  }

  /** The bytes, a chunk every 400 ms until {@code purged}, then the rest without a pause. */
  private static InputStream slowly(byte[] bytes, AtomicBoolean purged) {
    return new ByteArrayInputStream(bytes) {
      @Override
      public synchronized int read(byte[] buffer, int offset, int length) {
        if (pos > 0 && pos < count && !purged.get()) {
          try {
            TimeUnit.MILLISECONDS.sleep(400);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        return super.read(buffer, offset, Math.min(length, CHUNK));
      }
    };
  }
}
