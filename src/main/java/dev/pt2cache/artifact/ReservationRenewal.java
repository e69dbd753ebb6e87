package dev.pt2cache.artifact;

import dev.pt2cache.system.LockWait;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.UUID;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Keeps a pending artifact reserved while its bytes keep coming. A reservation lasts {@code
 * reservation-ttl} (1 h) from its declaration, and purge drops it a grace period after that; an
 * upload still streaming then, such as tens of gigabytes over a slow link, was thrown away after
 * all its bytes were sent, and its client could never finish. Each quarter of the reservation's
 * lifetime, an upload that is still reading renews it to a full lifetime from then, by the
 * database's clock; an upload whose client stopped sending renews nothing, and lapses as before.
 *
 * <p>A reservation that lapsed stays lapsed, even when bytes come again: the lapse is what let
 * another upload of the key hold its lease (docs/adr/0019), and purge drop it. Reviving it made it
 * the key's oldest live reservation again, whose lease had long run out, and so hid the lease the
 * later upload held. With the defaults it cannot happen at all: Tomcat gives up on a body that
 * sends nothing for 60 s, and a reservation lapses only after three quarters of its hour without a
 * renewal.
 */
@Component
class ReservationRenewal {

  private static final Logger log = LoggerFactory.getLogger(ReservationRenewal.class);

  private final JdbcClient jdbc;
  private final Duration lifetime;
  private final LockWait lockWait;

  ReservationRenewal(JdbcClient jdbc, UploadProperties properties, LockWait lockWait) {
    this.jdbc = jdbc;
    this.lockWait = lockWait;
    this.lifetime = properties.reservationTtl();
  }

  /**
   * The upload's body, renewing the artifact's reservation while it is read. The artifact (as read
   * before its bytes) learns each new end, so that an upload whose row went meanwhile is told
   * whether its reservation had ended by the end the database last held, not the first.
   */
  InputStream whileReading(Artifact artifact, InputStream body) {
    return new RenewingStream(body, () -> renew(artifact), lifetime.dividedBy(4), System::nanoTime);
  }

  private void renew(Artifact artifact) {
    UUID artifactId = artifact.id();
    try {
      // bounded: the upload's thread, and its permit, waited as long as a session that held the
      // row and never ended (docs/adr/0039); a renewal that gives up leaves the reservation as is
      lockWait
          .bounded(
              () ->
                  jdbc.sql(
                          """
              update artifact
                 set upload_expires_at = greatest(upload_expires_at,
                                                  now() + make_interval(secs => ?))
               where id = ? and state = 'PENDING' and upload_expires_at > now()
              returning upload_expires_at
              """)
                      .params(lifetime.toMillis() / 1000.0, artifactId)
                      .query(Timestamp.class)
                      .optional())
          .ifPresent(until -> artifact.renewedUntil(until.toInstant()));
    } catch (RuntimeException e) {
      // the upload goes on; it commits if its reservation is still there when it ends
      log.warn("reservation of artifact {} not renewed: {}", artifactId, e.toString());
    }
  }

  /** Calls {@code renew} when bytes are read and {@code every} has passed since the last time. */
  static final class RenewingStream extends FilterInputStream {

    private final Runnable renew;
    private final long everyNanos;
    private final LongSupplier nanoTime;
    private long last;

    RenewingStream(InputStream in, Runnable renew, Duration every, LongSupplier nanoTime) {
      super(in);
      this.renew = renew;
      this.everyNanos = every.toNanos();
      this.nanoTime = nanoTime;
      this.last = nanoTime.getAsLong();
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        renewIfDue();
      }
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      int n = super.read(buffer, offset, length);
      if (n > 0) {
        renewIfDue();
      }
      return n;
    }

    private void renewIfDue() {
      long now = nanoTime.getAsLong();
      if (now - last >= everyNanos) {
        last = now;
        renew.run();
      }
    }
  }
}
