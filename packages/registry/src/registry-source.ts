import type { BlobReader, RegistryClient } from './client.ts';
import { DigestMismatchError } from './digest.ts';
import type { ImageSource } from './image-source.ts';
import { type Descriptor, type ManifestBlob, ManifestError } from './manifest.ts';
import { type ImageReference, formatReference } from './reference.ts';

/**
 * An image in another registry (`docker://REF`). Manifests are read through the source client;
 * blobs stream from the source's response straight into the destination's upload request, so
 * nothing is buffered. When both are the same registry, blobs are mounted instead of copied.
 */
export class RegistrySource implements ImageSource {
  readonly description: string;
  readonly mountFrom: { host: string; repository: string };

  constructor(
    private readonly client: RegistryClient,
    private readonly reference: ImageReference,
  ) {
    this.description = `docker://${formatReference(reference)}`;
    this.mountFrom = { host: client.host, repository: reference.repository };
  }

  private rootManifest: Promise<ManifestBlob> | undefined;

  root(): Promise<ManifestBlob> {
    const ref = this.reference.digest ?? this.reference.tag ?? 'latest';
    // Read once: the tag could move between two reads, and the push must be of one image.
    this.rootManifest ??= this.client.getManifest(this.reference.repository, ref, 'pull');
    return this.rootManifest;
  }

  async child(desc: Descriptor): Promise<ManifestBlob> {
    const m = await this.client.getManifest(this.reference.repository, desc.digest, 'pull');
    if (m.digest !== desc.digest)
      throw new DigestMismatchError(desc.digest, m.digest, `the manifest ${desc.digest}`);
    if (m.bytes.length !== desc.size) {
      throw new ManifestError(
        `the manifest ${desc.digest} is ${m.bytes.length} bytes but its descriptor says ${desc.size}`,
      );
    }
    return m;
  }

  reader(desc: Descriptor): BlobReader {
    return {
      open: (start, end) =>
        this.client.openBlob(
          this.reference.repository,
          desc.digest,
          start,
          end === desc.size && start === 0 ? 0 : end,
        ),
    };
  }

  async close(): Promise<void> {}
}
