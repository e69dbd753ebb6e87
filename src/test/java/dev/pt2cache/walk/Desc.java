package dev.pt2cache.walk;

/** A descriptor's fields that selectors read; the rest is fixed. */
record Desc(String model, String version, String torch, String gpu) {}
