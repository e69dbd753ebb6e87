package dev.pt2cache.invalidation;

import java.util.List;

/** One page of the audit trail, newest first; nextCursor is null on the last page. */
public record InvalidationPage(List<Invalidation> items, String nextCursor) {}
