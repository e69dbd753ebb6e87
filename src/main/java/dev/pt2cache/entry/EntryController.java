package dev.pt2cache.entry;

import dev.pt2cache.api.EntriesApi;
import dev.pt2cache.api.model.Kind;
import dev.pt2cache.artifact.ArtifactDownloads;
import dev.pt2cache.artifact.ArtifactMapper;
import dev.pt2cache.artifact.ContentResponses;
import dev.pt2cache.artifact.UploadOutcome;
import dev.pt2cache.blob.UploadInterruptedException;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import org.springframework.core.io.InputStreamResource;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RestController;

/** The key-value face that PyTorch's remote caches (FX graph, AOTAutograd, autotune) talk to. */
@RestController
class EntryController implements EntriesApi {

  private final ArtifactDownloads downloads;
  private final EntryUploads uploads;
  private final DescriptorHeader descriptors;
  private final HttpServletRequest request;

  EntryController(
      ArtifactDownloads downloads,
      EntryUploads uploads,
      DescriptorHeader descriptors,
      HttpServletRequest request) {
    this.downloads = downloads;
    this.uploads = uploads;
    this.descriptors = descriptors;
    this.request = request;
  }

  @Override
  public ResponseEntity<InputStreamResource> getEntry(
      String namespace, Kind kind, String key, String range, String ifNoneMatch, String ifRange) {
    if (ContentResponses.isHead(request)) {
      return described(namespace, kind, key, ifNoneMatch);
    }
    return ContentResponses.of(
        downloads.entry(namespace, ArtifactMapper.toDomain(kind), key, range, ifRange, ifNoneMatch),
        key);
  }

  @Override
  public ResponseEntity<Void> headEntry(
      String namespace, Kind kind, String key, String ifNoneMatch) {
    return described(namespace, kind, key, ifNoneMatch);
  }

  private <T> ResponseEntity<T> described(
      String namespace, Kind kind, String key, String ifNoneMatch) {
    return ContentResponses.described(
        downloads.readyEntry(namespace, ArtifactMapper.toDomain(kind), key), ifNoneMatch, key);
  }

  @Override
  public ResponseEntity<dev.pt2cache.api.model.Artifact> putEntry(
      String namespace,
      Kind kind,
      String key,
      String sha256,
      String descriptor,
      InputStreamResource body) {
    try {
      UploadOutcome outcome =
          uploads.put(
              namespace,
              ArtifactMapper.toDomain(kind),
              key,
              descriptors.read(descriptor),
              sha256,
              request.getContentLengthLong(),
              body.getInputStream());
      return ResponseEntity.status(outcome.created() ? HttpStatus.CREATED : HttpStatus.OK)
          .body(ArtifactMapper.toApi(outcome.artifact()));
    } catch (IOException e) {
      throw new UploadInterruptedException(e);
    }
  }
}
