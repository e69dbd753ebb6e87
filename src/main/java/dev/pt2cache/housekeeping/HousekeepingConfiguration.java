package dev.pt2cache.housekeeping;

import java.time.Duration;
import java.util.List;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.FixedDelayTask;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;

/**
 * Schedules every {@link HousekeepingJob} on every instance; {@link JobRunner}'s lock lets one
 * instance at a time do the work. ShedLock is a well-kept library for exactly this, on the database
 * the instances already share.
 */
@Configuration(proxyBeanMethods = false)
class HousekeepingConfiguration implements SchedulingConfigurer {

  private static final Duration FIRST_RUN = Duration.ofSeconds(30);

  private final List<HousekeepingJob> jobs;
  private final JobRunner runner;
  private final HousekeepingProperties properties;

  HousekeepingConfiguration(
      List<HousekeepingJob> jobs, JobRunner runner, HousekeepingProperties properties) {
    this.jobs = jobs;
    this.runner = runner;
    this.properties = properties;
  }

  @Override
  public void configureTasks(ScheduledTaskRegistrar registrar) {
    if (!properties.enabled()) {
      return;
    }
    for (HousekeepingJob job : jobs) {
      // the first run comes soon after start, the next ones at the job's own pace
      Duration first = job.interval().compareTo(FIRST_RUN) < 0 ? job.interval() : FIRST_RUN;
      registrar.addFixedDelayTask(
          new FixedDelayTask(() -> runner.runScheduled(job), job.interval(), first));
    }
  }
}
