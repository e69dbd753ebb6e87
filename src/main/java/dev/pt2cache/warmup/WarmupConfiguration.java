package dev.pt2cache.warmup;

import dev.pt2cache.system.WarmupRequests;
import io.micrometer.observation.ObservationPredicate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.server.observation.ServerRequestObservationContext;

/** Keeps the warm-up's requests out of the HTTP metrics ({@code http_server_requests}). */
@Configuration
class WarmupConfiguration {

  @Bean
  ObservationPredicate warmupRequestsUnobserved(WarmupRequests warmup) {
    return (name, context) ->
        !(context instanceof ServerRequestObservationContext request
            && warmup.isWarmup(request.getCarrier()));
  }
}
