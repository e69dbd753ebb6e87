package dev.pt2cache.namespace;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.springframework.data.domain.Sort;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

@Service
public class NamespaceService {

  /** A namespace with its usage. */
  public record NamespaceView(Namespace namespace, long artifactCount, long storedBytes) {}

  /** The outcome of a PUT: the namespace as it now is, and whether it was created. */
  public record PutOutcome(NamespaceView view, boolean created) {}

  private final NamespaceRepository namespaces;

  NamespaceService(NamespaceRepository namespaces) {
    this.namespaces = namespaces;
  }

  /** Throws {@link NamespaceNotFoundException} unless the namespace exists. */
  @Transactional(readOnly = true)
  public void require(String name) {
    if (!namespaces.existsById(name)) {
      throw new NamespaceNotFoundException(name);
    }
  }

  @Transactional(readOnly = true)
  public NamespaceView get(String name) {
    Namespace namespace =
        namespaces.findById(name).orElseThrow(() -> new NamespaceNotFoundException(name));
    return view(namespace, namespaces.usageOf(name));
  }

  @Transactional(readOnly = true)
  public List<NamespaceView> list() {
    List<Namespace> all = namespaces.findAll(Sort.by("name"));
    Map<String, NamespaceUsage> usage =
        namespaces.usageOf(all.stream().map(Namespace::name).toList()).stream()
            .collect(Collectors.toMap(NamespaceUsage::getName, Function.identity()));
    return all.stream()
        .map(n -> view(n, usage.getOrDefault(n.name(), NamespaceUsage.none(n.name()))))
        .toList();
  }

  @Transactional
  public PutOutcome put(String name, Long quotaBytes, Integer maxIdleDays) {
    boolean created = namespaces.upsert(name, quotaBytes, maxIdleDays);
    namespaces.flush();
    Namespace namespace = namespaces.findById(name).orElseThrow();
    return new PutOutcome(view(namespace, namespaces.usageOf(name)), created);
  }

  private static NamespaceView view(Namespace namespace, NamespaceUsage usage) {
    return new NamespaceView(namespace, usage.getArtifactCount(), usage.getStoredBytes());
  }
}
