package dev.pt2cache.artifact;

import java.util.List;

/** One page of a listing, newest first; nextCursor is null on the last page. */
public record ArtifactPage(List<Artifact> items, String nextCursor) {}
