package dev.pt2cache.report;

import dev.pt2cache.artifact.ArtifactState;
import java.util.List;
import java.util.UUID;

/**
 * An artifact's reports as operators and nodes see them.
 *
 * @param reportCount distinct reporters
 * @param invalidateAfterReports the namespace's threshold, or null when reports retire nothing
 * @param invalidationId what retired the artifact, once something did
 * @param newest the newest reports, newest first
 */
public record ArtifactReports(
    UUID artifactId,
    ArtifactState state,
    int reportCount,
    Integer invalidateAfterReports,
    UUID invalidationId,
    List<Report> newest) {}
