// Writes small OCI image layouts for tests, with pseudo-random blobs (layer bytes need not be tar
// for the distribution protocol), single images or indexes.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const sha256 = (b: Buffer | string) => 'sha256:' + createHash('sha256').update(b).digest('hex');

/** Deterministic bytes: a SHA-256 counter stream of `seed`. */
export function bytes(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let off = 0, i = 0; off < size; i++) {
    const block = createHash('sha256').update(`${seed}/${i}`).digest();
    block.copy(out, off);
    off += block.length;
  }
  return out;
}

export interface Blob {
  digest: string;
  size: number;
  mediaType: string;
}

export class Layout {
  readonly dir: string;
  readonly entries: {
    mediaType: string;
    digest: string;
    size: number;
    annotations?: Record<string, string>;
  }[] = [];

  constructor(dir?: string) {
    this.dir = dir ?? mkdtempSync(join(tmpdir(), 'slw-layout-'));
    mkdirSync(join(this.dir, 'blobs', 'sha256'), { recursive: true });
    writeFileSync(join(this.dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    this.writeIndex();
  }

  blob(data: Buffer, mediaType = 'application/vnd.oci.image.layer.v1.tar+gzip'): Blob {
    const digest = sha256(data);
    writeFileSync(join(this.dir, 'blobs', 'sha256', digest.slice(7)), data);
    return { digest, size: data.length, mediaType };
  }

  /** An image manifest with `layers` layers of `size` bytes each; returns its descriptor. */
  image(
    seed: string,
    layers: number,
    size: number,
    platform?: { os: string; architecture: string },
  ): Blob & { layers: Blob[]; config: Blob } {
    const config = this.blob(
      Buffer.from(JSON.stringify({ architecture: platform?.architecture ?? 'amd64', os: 'linux', seed })),
      'application/vnd.oci.image.config.v1+json',
    );
    const ls = Array.from({ length: layers }, (_, i) => this.blob(bytes(`${seed}-${i}`, size)));
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config,
        layers: ls,
      }),
    );
    return { ...this.blob(manifest, 'application/vnd.oci.image.manifest.v1+json'), layers: ls, config };
  }

  /** An index of images. */
  index(children: (Blob & { platform?: { os: string; architecture: string } })[]): Blob {
    const doc = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: children.map((c) => ({
          mediaType: c.mediaType,
          digest: c.digest,
          size: c.size,
          ...(c.platform ? { platform: c.platform } : {}),
        })),
      }),
    );
    return this.blob(doc, 'application/vnd.oci.image.index.v1+json');
  }

  /** Names a manifest in index.json. */
  tag(desc: Blob, ref?: string): this {
    this.entries.push({
      mediaType: desc.mediaType,
      digest: desc.digest,
      size: desc.size,
      ...(ref ? { annotations: { 'org.opencontainers.image.ref.name': ref } } : {}),
    });
    this.writeIndex();
    return this;
  }

  private writeIndex(): void {
    writeFileSync(
      join(this.dir, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: this.entries,
      }),
    );
  }

  path(digest: string): string {
    return join(this.dir, 'blobs', 'sha256', digest.slice(7));
  }
}
