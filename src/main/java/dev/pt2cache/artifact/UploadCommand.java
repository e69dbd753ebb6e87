package dev.pt2cache.artifact;

import dev.pt2cache.blob.BlobExpectation;
import dev.pt2cache.descriptor.Descriptor;

/** What a client declares before uploading: kind, descriptor and/or key, digest and size. */
public record UploadCommand(
    ArtifactKind kind, Descriptor descriptor, String key, BlobExpectation content) {}
