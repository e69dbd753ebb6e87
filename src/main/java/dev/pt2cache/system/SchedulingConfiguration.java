package dev.pt2cache.system;

import org.springframework.boot.task.ThreadPoolTaskSchedulerBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

/**
 * Background work: hit statistics flushes and housekeeping jobs, on a small pool of platform
 * threads ({@code spring.task.scheduling.pool.size}) even where requests run on virtual threads.
 * Spring's virtual-thread scheduler runs every fixed-delay task on its one scheduler thread, so a
 * long housekeeping run would hold back hit flushes; and it does not wait for a running job when
 * the instance stops, which leaves the job's lock taken until it expires.
 */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
class SchedulingConfiguration {

  @Bean
  ThreadPoolTaskScheduler taskScheduler(ThreadPoolTaskSchedulerBuilder builder) {
    return builder.build();
  }
}
