import { DOCKER_SCHEMA1, isImageManifestType, isIndexType } from './media-types.ts';

/** A content descriptor: what a manifest says about a blob or a child manifest. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: { os?: string; architecture?: string; variant?: string };
}

/** A single-image manifest (Docker v2 schema 2 or OCI). */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
}

/** A manifest list or OCI index. */
export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
}

/** Manifest bytes exactly as pushed (the digest is over these bytes) with what they say. */
export interface ManifestBlob {
  bytes: Buffer;
  mediaType: string;
  digest: string;
  parsed: ImageManifest | ImageIndex;
}

/** Raised for manifests Slipway cannot push; the message says what was found. */
export class ManifestError extends Error {
  override readonly name = 'ManifestError';
}

/**
 * Parses manifest bytes. The media type comes from the `mediaType` field when present (Docker
 * formats always carry it) else from the transport (Content-Type, an index descriptor), else from
 * the shape (`manifests` → index), as OCI allows the field to be absent.
 */
export function parseManifest(
  bytes: Buffer,
  hint: string | undefined,
  what: string,
): { mediaType: string; parsed: ImageManifest | ImageIndex } {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new ManifestError(`${what} is not JSON: ${(err as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new ManifestError(`${what} is not a JSON object`);
  }
  const m = doc as { schemaVersion?: unknown; mediaType?: unknown; manifests?: unknown; layers?: unknown };
  const cleanHint = hint?.split(';')[0]?.trim();
  if (m.schemaVersion === 1 || (cleanHint && DOCKER_SCHEMA1.includes(cleanHint))) {
    throw new ManifestError(
      `${what} is a Docker schema 1 manifest, which ECR and current registries no longer accept; rebuild or re-pull the image with a current tool`,
    );
  }
  if (m.schemaVersion !== 2)
    throw new ManifestError(`${what} has schemaVersion ${String(m.schemaVersion)}, not 2`);
  const field = typeof m.mediaType === 'string' ? m.mediaType : undefined;
  const mediaType =
    field ??
    (isIndexType(cleanHint) || isImageManifestType(cleanHint)
      ? cleanHint
      : Array.isArray(m.manifests)
        ? 'application/vnd.oci.image.index.v1+json'
        : 'application/vnd.oci.image.manifest.v1+json') ??
    '';
  if (isIndexType(mediaType)) {
    if (!Array.isArray(m.manifests)) throw new ManifestError(`${what} is an index without "manifests"`);
    for (const d of m.manifests) checkDescriptor(d, `${what}: manifests[]`);
  } else if (isImageManifestType(mediaType)) {
    const im = doc as Partial<ImageManifest>;
    checkDescriptor(im.config, `${what}: config`);
    if (!Array.isArray(im.layers)) throw new ManifestError(`${what} has no "layers"`);
    for (const d of im.layers) checkDescriptor(d, `${what}: layers[]`);
  } else {
    throw new ManifestError(
      `${what} has the media type ${JSON.stringify(mediaType)}, which is not an image manifest or index`,
    );
  }
  return { mediaType, parsed: doc as ImageManifest | ImageIndex };
}

function checkDescriptor(d: unknown, what: string): asserts d is Descriptor {
  const desc = d as Partial<Descriptor> | undefined;
  if (
    !desc ||
    typeof desc.digest !== 'string' ||
    !/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(desc.digest) ||
    typeof desc.size !== 'number' ||
    !Number.isSafeInteger(desc.size) ||
    desc.size < 0
  ) {
    throw new ManifestError(`${what} is not a valid descriptor (digest and size): ${JSON.stringify(d)}`);
  }
}

/** True when a parsed manifest is an index. */
export function isIndex(m: ImageManifest | ImageIndex): m is ImageIndex {
  return Array.isArray((m as ImageIndex).manifests);
}
