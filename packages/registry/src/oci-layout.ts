import { createReadStream, existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobReader } from './client.ts';
import { DigestMismatchError, sha256Digest } from './digest.ts';
import { isDigest } from './reference.ts';
import type { ImageSource } from './image-source.ts';
import {
  type Descriptor,
  type ImageIndex,
  type ManifestBlob,
  ManifestError,
  parseManifest,
} from './manifest.ts';

/** The annotation OCI layouts name a manifest by (what `oci:PATH:REF` selects). */
export const REF_NAME = 'org.opencontainers.image.ref.name';
const CONTAINERD_NAME = 'io.containerd.image.name';

/** The path of a blob in a layout: `blobs/<algorithm>/<hex>`. */
export function layoutBlobPath(dir: string, digest: string): string {
  const [algorithm, hex] = digest.split(':');
  if (!algorithm || !hex || !/^[a-zA-Z0-9_.+-]+$/.test(algorithm) || !/^[a-zA-Z0-9=_-]+$/.test(hex)) {
    throw new ManifestError(`${JSON.stringify(digest)} is not a digest`);
  }
  return join(dir, 'blobs', algorithm, hex);
}

/** Reads a blob of the layout whole (manifests and configs only) and checks its digest and size. */
async function readVerified(dir: string, desc: Descriptor, what: string): Promise<Buffer> {
  const path = layoutBlobPath(dir, desc.digest);
  if (!existsSync(path)) throw new ManifestError(`${what}: the layout has no blob ${desc.digest} (${path})`);
  if (desc.size > 4 << 20)
    throw new ManifestError(`${what} is ${desc.size} bytes, more than a manifest may be`);
  const bytes = await readFile(path);
  const digest = sha256Digest(bytes);
  if (digest !== desc.digest) throw new DigestMismatchError(desc.digest, digest, `${what} (${path})`);
  if (bytes.length !== desc.size) {
    throw new ManifestError(`${what} is ${bytes.length} bytes but its descriptor says ${desc.size}`);
  }
  return bytes;
}

/** A reader of a file, streamed in 1 MiB reads. */
export function fileReader(path: string, what: string, expectedSize?: number): BlobReader {
  return {
    async open(start, end) {
      if (!existsSync(path)) throw new ManifestError(`${what} is missing: ${path} does not exist`);
      if (expectedSize !== undefined && statSync(path).size !== expectedSize) {
        throw new ManifestError(
          `${what} (${path}) is ${statSync(path).size} bytes but its descriptor says ${expectedSize}`,
        );
      }
      if (end <= start) return createReadStream(path, { start: 0, end: -1 });
      return createReadStream(path, { start, end: end - 1, highWaterMark: 1 << 20 });
    },
  };
}

/** Picks the manifest of `index.json` that `ref` names (a tag annotation or a digest), or the only one. */
export function selectFromIndex(index: ImageIndex, ref: string | undefined, where: string): Descriptor {
  const entries = index.manifests;
  const names = entries.map((m) => m.annotations?.[REF_NAME]).filter((n): n is string => Boolean(n));
  if (ref === undefined) {
    if (entries.length === 1 && entries[0]) return entries[0];
    throw new ManifestError(
      entries.length === 0
        ? `${where} lists no image`
        : `${where} holds ${entries.length} images; name one as oci:PATH:REF (${names.length ? `refs: ${names.join(', ')}` : 'or by digest'})`,
    );
  }
  const byRef = isDigest(ref)
    ? entries.filter((m) => m.digest === ref)
    : entries.filter((m) => m.annotations?.[REF_NAME] === ref || m.annotations?.[CONTAINERD_NAME] === ref);
  if (byRef.length === 0) {
    throw new ManifestError(
      `${where} has no image named ${JSON.stringify(ref)}${names.length ? `; refs: ${names.join(', ')}` : ' (no org.opencontainers.image.ref.name annotations)'}`,
    );
  }
  const first = byRef[0] as Descriptor;
  if (byRef.some((m) => m.digest !== first.digest)) {
    throw new ManifestError(`${where} names more than one image ${JSON.stringify(ref)}`);
  }
  return first;
}

/**
 * An OCI image layout on disk (`oci-layout`, `index.json`, `blobs/sha256/…`), as written by
 * `docker buildx build --output type=oci,tar=false`, buildah, skopeo or umoci.
 * https://github.com/opencontainers/image-spec/blob/main/image-layout.md
 */
export class OciLayoutSource implements ImageSource {
  readonly description: string;

  constructor(
    private readonly dir: string,
    private readonly ref?: string,
  ) {
    this.description = `oci:${dir}${ref ? `:${ref}` : ''}`;
  }

  async root(): Promise<ManifestBlob> {
    const where = join(this.dir, 'index.json');
    const indexBytes = await readFile(where);
    const { parsed } = parseManifest(indexBytes, 'application/vnd.oci.image.index.v1+json', where);
    const desc = selectFromIndex(parsed as ImageIndex, this.ref, where);
    return this.child(desc);
  }

  async child(desc: Descriptor): Promise<ManifestBlob> {
    const what = `the manifest ${desc.digest} in ${this.dir}`;
    const bytes = await readVerified(this.dir, desc, what);
    const { mediaType, parsed } = parseManifest(bytes, desc.mediaType, what);
    return { bytes, digest: desc.digest, mediaType, parsed };
  }

  reader(desc: Descriptor): BlobReader {
    return fileReader(
      layoutBlobPath(this.dir, desc.digest),
      `the blob ${desc.digest} of ${this.dir}`,
      desc.size,
    );
  }

  async close(): Promise<void> {}
}
