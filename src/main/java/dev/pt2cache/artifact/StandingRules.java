package dev.pt2cache.artifact;

/**
 * The standing rules in force in a namespace, as a serving read found them in the same statement as
 * the artifact: a JSON array of {@code {"id", "selector", "reason", "expiresAt"}} (the selector as
 * a JSON string), or none. The rules' owner reads them ({@link ArtifactPolicy}).
 */
public record StandingRules(String json) {

  public static final StandingRules NONE = new StandingRules(null);

  public boolean none() {
    return json == null;
  }
}
