package dev.pt2cache.artifact;

import dev.pt2cache.api.ArtifactsApi;
import dev.pt2cache.api.model.ArtifactState;
import dev.pt2cache.api.model.Kind;
import dev.pt2cache.api.model.UploadRequest;
import dev.pt2cache.blob.BlobExpectation;
import dev.pt2cache.blob.UploadInterruptedException;
import dev.pt2cache.descriptor.DescriptorMapper;
import dev.pt2cache.system.Caller;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.UUID;
import org.springframework.beans.propertyeditors.CustomCollectionEditor;
import org.springframework.core.io.InputStreamResource;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.WebDataBinder;
import org.springframework.web.bind.annotation.InitBinder;
import org.springframework.web.bind.annotation.RestController;

@RestController
class ArtifactController implements ArtifactsApi {

  private final UploadService uploads;
  private final ArtifactReader reader;
  private final ArtifactDownloads downloads;

  private final HttpServletRequest request;

  ArtifactController(
      UploadService uploads,
      ArtifactReader reader,
      ArtifactDownloads downloads,
      HttpServletRequest request) {
    this.uploads = uploads;
    this.reader = reader;
    this.downloads = downloads;
    this.request = request;
  }

  /**
   * A {@code tag=name:value} parameter is one tag, commas and all. Given once, Spring would split
   * it at its commas (a value {@code fp8,tf32} became two tags and a 400, and {@code a,b:c} two
   * filters), where the contract reads a comma in a query value as part of it.
   */
  @InitBinder
  void tagsAsGiven(WebDataBinder binder) {
    binder.registerCustomEditor(List.class, new CustomCollectionEditor(List.class));
  }

  @Override
  public ResponseEntity<dev.pt2cache.api.model.Artifact> createArtifact(
      String namespace, UploadRequest request) {
    UploadCommand command =
        new UploadCommand(
            ArtifactMapper.toDomain(request.getKind()),
            DescriptorMapper.toDomain(request.getDescriptor()),
            request.getKey(),
            new BlobExpectation(request.getSha256(), request.getSizeBytes()),
            Caller.token());
    return answer(uploads.reserve(namespace, command));
  }

  @Override
  public ResponseEntity<dev.pt2cache.api.model.Artifact> uploadContent(
      String namespace, UUID artifactId, InputStreamResource body) {
    try {
      UploadOutcome outcome = uploads.receive(namespace, artifactId, body.getInputStream());
      return ResponseEntity.ok(ArtifactMapper.toApi(outcome.artifact()));
    } catch (IOException e) {
      throw new UploadInterruptedException(e);
    }
  }

  @Override
  public ResponseEntity<dev.pt2cache.api.model.Artifact> getArtifact(
      String namespace, UUID artifactId) {
    return ResponseEntity.ok(ArtifactMapper.toApi(reader.get(namespace, artifactId)));
  }

  @Override
  public ResponseEntity<InputStreamResource> downloadContent(
      String namespace, UUID artifactId, String range, String ifNoneMatch, String ifRange) {
    if (ContentResponses.isHead(request)) {
      return described(namespace, artifactId, ifNoneMatch);
    }
    // saved under the id the URL names, not "content", its last segment
    return ContentResponses.of(
        downloads.download(namespace, artifactId, range, ifRange, ifNoneMatch),
        artifactId.toString());
  }

  @Override
  public ResponseEntity<Void> headContent(String namespace, UUID artifactId, String ifNoneMatch) {
    return described(namespace, artifactId, ifNoneMatch);
  }

  private <T> ResponseEntity<T> described(String namespace, UUID artifactId, String ifNoneMatch) {
    return ContentResponses.described(
        downloads.servable(namespace, artifactId), ifNoneMatch, artifactId.toString());
  }

  @Override
  public ResponseEntity<dev.pt2cache.api.model.ArtifactPage> listArtifacts(
      String namespace,
      Kind kind,
      ArtifactState state,
      String key,
      String modelName,
      String modelVersion,
      String modelFingerprint,
      String torch,
      String triton,
      String cuda,
      String rocm,
      String python,
      String gpu,
      String capability,
      Boolean reported,
      List<String> tag,
      Integer limit,
      String cursor) {
    ArtifactFilter filter =
        new ArtifactFilter(
            null,
            ArtifactMapper.toDomain(kind),
            ArtifactMapper.toDomain(state),
            key,
            null,
            modelName,
            modelVersion,
            torch,
            triton,
            cuda,
            gpu,
            capability,
            HardwareTags.parse(tag),
            modelFingerprint,
            rocm,
            python);
    ArtifactPage page =
        reader.list(namespace, filter, Boolean.TRUE.equals(reported), limit, cursor);
    return ResponseEntity.ok(
        new dev.pt2cache.api.model.ArtifactPage()
            .items(page.items().stream().map(ArtifactMapper::toApi).toList())
            .nextCursor(page.nextCursor()));
  }

  static ResponseEntity<dev.pt2cache.api.model.Artifact> answer(UploadOutcome outcome) {
    dev.pt2cache.api.model.Artifact body = ArtifactMapper.toApi(outcome.artifact());
    if (!outcome.created()) {
      return ResponseEntity.ok(body);
    }
    Artifact a = outcome.artifact();
    return ResponseEntity.created(
            URI.create("/v1/namespaces/" + a.namespace() + "/artifacts/" + a.id()))
        .body(body);
  }
}
