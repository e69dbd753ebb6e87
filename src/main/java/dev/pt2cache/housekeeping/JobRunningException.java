package dev.pt2cache.housekeeping;

/** Another instance holds the job's lock: it is running there now. */
public class JobRunningException extends RuntimeException {

  public JobRunningException(String job) {
    super("housekeeping job " + job + " is running on another instance; try again later");
  }
}
