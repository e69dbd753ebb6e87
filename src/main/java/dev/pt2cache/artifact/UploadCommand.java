package dev.pt2cache.artifact;

import dev.pt2cache.blob.BlobExpectation;
import dev.pt2cache.descriptor.Descriptor;
import dev.pt2cache.system.Caller;

/**
 * What a client declares before uploading: kind, descriptor and/or key, digest and size; and who
 * declares it, the caller's token, which the artifact it reserves keeps (docs/adr/0049).
 */
public record UploadCommand(
    ArtifactKind kind,
    Descriptor descriptor,
    String key,
    BlobExpectation content,
    Caller.Token declaredBy) {}
