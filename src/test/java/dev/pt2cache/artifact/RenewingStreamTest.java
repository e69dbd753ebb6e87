package dev.pt2cache.artifact;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.artifact.ReservationRenewal.RenewingStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A reservation is renewed while bytes are read, at most once per interval, and never at the end.
 */
class RenewingStreamTest {

  final AtomicLong now = new AtomicLong();
  final AtomicInteger renewals = new AtomicInteger();

  @Test
  void shouldRenewOncePerIntervalWhileBytesAreRead() throws IOException {
    RenewingStream stream = stream(new byte[100]);
    byte[] buffer = new byte[10];

    stream.read(buffer);
    assertThat(renewals).as("within the first interval").hasValue(0);
    now.addAndGet(Duration.ofMinutes(15).toNanos());
    stream.read(buffer);
    stream.read(buffer);
    assertThat(renewals).as("once for the interval that passed").hasValue(1);
    now.addAndGet(Duration.ofMinutes(14).toNanos());
    stream.read();
    assertThat(renewals).hasValue(1);
    now.addAndGet(Duration.ofMinutes(1).toNanos());
    stream.read();
    assertThat(renewals).hasValue(2);
  }

  @Test
  void shouldNotRenewForAReadThatFindsTheEnd() throws IOException {
    RenewingStream stream = stream(new byte[0]);
    now.addAndGet(Duration.ofHours(1).toNanos());

    assertThat(stream.read(new byte[10])).isEqualTo(-1);
    assertThat(stream.read()).isEqualTo(-1);
    assertThat(renewals).hasValue(0);
  }

  private RenewingStream stream(byte[] content) {
    return new RenewingStream(
        new ByteArrayInputStream(content),
        renewals::incrementAndGet,
        Duration.ofMinutes(15),
        now::get);
  }
}
