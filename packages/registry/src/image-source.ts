import type { BlobReader } from './client.ts';
import type { Descriptor, ManifestBlob } from './manifest.ts';

/**
 * Where an image is read from: its root manifest (pushed under the tags), child manifests of an
 * index, and blob contents as byte ranges (so uploads stream and can resume).
 */
export interface ImageSource {
  /** For logs: `oci:/work/out:1.0`, `docker://alpine:3.20` … */
  readonly description: string;
  /** The manifest to push under the tags, exactly as it will be pushed. */
  root(): Promise<ManifestBlob>;
  /** A child manifest of an index, checked against its descriptor's digest and size. */
  child(desc: Descriptor): Promise<ManifestBlob>;
  /** Reads a blob's bytes. */
  reader(desc: Descriptor): BlobReader;
  /** Blobs can be mounted from this repository when the destination is on `host`. */
  readonly mountFrom?: { host: string; repository: string };
  /** Frees temporary files. */
  close(): Promise<void>;
}
