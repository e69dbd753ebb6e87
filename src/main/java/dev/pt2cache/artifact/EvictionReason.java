package dev.pt2cache.artifact;

/**
 * Why housekeeping evicted an artifact: its namespace was over quota, or it sat unused too long.
 */
public enum EvictionReason {
  QUOTA,
  IDLE
}
