package dev.pt2cache.walk;

/** Whether something holds at this moment: yes, no, or too close to a limit to say. */
enum Tri {
  YES,
  NO,
  MAYBE;

  boolean may() {
    return this != NO;
  }

  Tri not() {
    return this == YES ? NO : this == NO ? YES : MAYBE;
  }
}
