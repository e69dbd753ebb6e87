package dev.pt2cache.namespace;

/** How much a namespace stores: its ready artifacts and the sum of their sizes. */
public interface NamespaceUsage {

  String getName();

  long getArtifactCount();

  long getStoredBytes();

  /** Ready artifacts that at least one node reported as failing. */
  long getReportedArtifacts();

  static NamespaceUsage none(String name) {
    return new NamespaceUsage() {
      @Override
      public String getName() {
        return name;
      }

      @Override
      public long getArtifactCount() {
        return 0;
      }

      @Override
      public long getStoredBytes() {
        return 0;
      }

      @Override
      public long getReportedArtifacts() {
        return 0;
      }
    };
  }
}
