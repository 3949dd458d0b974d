import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip, constants as zlib } from 'node:zlib';
import { ActionError, type Logger, silentLogger } from '@slipway/action-kit';
import type { BlobReader } from './client.ts';
import { DigestMismatchError, HashingStream, sha256Digest } from './digest.ts';
import { shortDigest } from './reference.ts';
import type { ImageSource } from './image-source.ts';
import { type Descriptor, type ImageManifest, type ManifestBlob, ManifestError } from './manifest.ts';
import {
  DOCKER_CONFIG,
  DOCKER_LAYER_GZIP,
  DOCKER_MANIFEST,
  OCI_CONFIG,
  OCI_LAYER_GZIP,
  OCI_LAYER_ZSTD,
  OCI_MANIFEST,
} from './media-types.ts';
import { fileReader } from './oci-layout.ts';
import { indexTar, resolveTarFile, type TarEntry } from './tar.ts';
import { formatBytes, formatDuration, mapPool } from './util.ts';

/** What a config's `rootfs.diff_ids` entry must look like. */
const DIFF_ID = /^sha256:[0-9a-f]{64}$/;

/** One image of a `docker save` archive's manifest.json. */
export interface DockerSaveEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
  LayerSources?: Record<string, Descriptor>;
}

/** What a blob's first bytes say it is. */
export type Compression = 'gzip' | 'zstd' | 'none';

/** Detects gzip and zstd by their magic numbers; anything else is taken as a plain tar. */
export function detectCompression(head: Buffer): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

/**
 * The gzip settings of converted layers. Fixed, so the same layer always compresses to the same
 * bytes (zlib writes no name and a zero mtime) and a re-push finds its blobs already there.
 * Level 6 is gzip's and docker's default.
 */
export const LAYER_GZIP = { level: 6, memLevel: 8, strategy: zlib.Z_DEFAULT_STRATEGY } as const;

/** Normalises `name:tag` the way RepoTags are written (`docker.io/library/` dropped). */
function normaliseRepoTag(tag: string): string {
  let t = tag.replace(/^docker\.io\//, '').replace(/^library\//, '');
  if (!/:[^/]+$/.test(t)) t += ':latest';
  return t;
}

/** Picks the image of manifest.json that `ref` names (`name:tag` or `@N`), or the only one. */
export function selectArchiveImage(
  entries: DockerSaveEntry[],
  ref: string | undefined,
  where: string,
): DockerSaveEntry {
  if (ref === undefined) {
    if (entries.length === 1 && entries[0]) return entries[0];
    const tags = entries.flatMap((e) => e.RepoTags ?? []);
    throw new ManifestError(
      `${where} holds ${entries.length} images; name one as docker-archive:PATH:NAME:TAG or docker-archive:PATH:@INDEX (${tags.join(', ') || 'untagged'})`,
    );
  }
  const at = /^@(\d+)$/.exec(ref);
  if (at) {
    const entry = entries[Number(at[1])];
    if (!entry) throw new ManifestError(`${where} has no image @${at[1]} (it holds ${entries.length})`);
    return entry;
  }
  const wanted = normaliseRepoTag(ref);
  const found = entries.find((e) => (e.RepoTags ?? []).some((t) => normaliseRepoTag(t) === wanted));
  if (!found) {
    const tags = entries.flatMap((e) => e.RepoTags ?? []);
    throw new ManifestError(
      `${where} has no image tagged ${JSON.stringify(ref)}; it holds ${tags.join(', ') || 'only untagged images'}`,
    );
  }
  return found;
}

async function readEntry(archive: string, entry: TarEntry): Promise<Buffer> {
  const fh = await open(archive, 'r');
  try {
    const data = Buffer.alloc(entry.size);
    await fh.read(data, 0, entry.size, entry.offset);
    return data;
  } finally {
    await fh.close();
  }
}

interface PreparedLayer {
  descriptor: Descriptor;
  reader: BlobReader;
}

/**
 * A `docker save` archive (manifest.json + config + one tar per layer; both the classic layout and
 * the OCI-layout-based one of Docker 25+), converted to a registry image:
 * - the config is pushed as it is (its digest is the image ID);
 * - layers already gzip are pushed as they are; plain tar layers (what docker save writes) are
 *   gzip-compressed with fixed settings into a temporary file, their uncompressed digest checked
 *   against the config's `rootfs.diff_ids`, as `docker push` would have compressed them;
 * - the manifest is Docker v2 schema 2, or OCI when a layer is zstd (schema 2 has no zstd type).
 * The archive itself is read by offset, never unpacked; a gzip-compressed archive is first
 * decompressed to a temporary file.
 */
export class DockerArchiveSource implements ImageSource {
  readonly description: string;
  private work: string | undefined;
  private prepared: { manifest: ManifestBlob; blobs: Map<string, BlobReader> } | undefined;

  constructor(
    private readonly archive: string,
    private readonly ref: string | undefined,
    private readonly opts: { concurrency?: number; log?: Logger; tempDir?: string } = {},
  ) {
    this.description = `docker-archive:${archive}${ref ? `:${ref}` : ''}`;
  }

  private get log(): Logger {
    return this.opts.log ?? silentLogger;
  }

  private async workDir(): Promise<string> {
    this.work ??= await mkdtemp(join(this.opts.tempDir ?? tmpdir(), 'slipway-archive-'));
    return this.work;
  }

  /** The archive as a plain tar: itself, or a decompressed copy of a `docker save | gzip`. */
  private async plainArchive(): Promise<string> {
    const fh = await open(this.archive, 'r');
    const head = Buffer.alloc(4);
    try {
      await fh.read(head, 0, 4, 0);
    } finally {
      await fh.close();
    }
    const kind = detectCompression(head);
    if (kind === 'none') return this.archive;
    if (kind === 'zstd')
      throw new ManifestError(`${this.archive} is zstd-compressed; decompress it (zstd -d) first`);
    const plain = join(await this.workDir(), 'archive.tar');
    this.log.info(`decompressing ${this.archive}`);
    await pipeline(createReadStream(this.archive), createGunzip(), createWriteStream(plain));
    return plain;
  }

  async root(): Promise<ManifestBlob> {
    if (this.prepared) return this.prepared.manifest;
    const archive = await this.plainArchive();
    const entries = await indexTar(archive);
    const manifestEntry = resolveTarFile(entries, 'manifest.json');
    if (!manifestEntry) {
      throw new ManifestError(
        `${this.archive} has no manifest.json: it is not a docker save archive (for an OCI layout use oci:)`,
      );
    }
    let list: DockerSaveEntry[];
    try {
      list = JSON.parse((await readEntry(archive, manifestEntry)).toString('utf8')) as DockerSaveEntry[];
    } catch (err) {
      throw new ManifestError(`${this.archive}: manifest.json is not JSON (${(err as Error).message})`);
    }
    if (!Array.isArray(list))
      throw new ManifestError(`${this.archive}: manifest.json is not a list of images`);
    const image = selectArchiveImage(list, this.ref, this.archive);

    const configEntry = resolveTarFile(entries, image.Config);
    if (!configEntry)
      throw new ManifestError(`${this.archive} lacks the config ${image.Config} that manifest.json names`);
    const configBytes = await readEntry(archive, configEntry);
    let diffIds: string[] = [];
    try {
      diffIds =
        (JSON.parse(configBytes.toString('utf8')) as { rootfs?: { diff_ids?: string[] } }).rootfs?.diff_ids ??
        [];
    } catch (err) {
      throw new ManifestError(
        `${this.archive}: the config ${image.Config} is not JSON (${(err as Error).message})`,
      );
    }
    if (!Array.isArray(diffIds)) {
      throw new ManifestError(`${this.archive}: rootfs.diff_ids of the config ${image.Config} is not a list`);
    }
    // A diff ID names what the layer must hash to; anything but a sha256 digest is a crafted or
    // broken archive, and must never reach a file name or a log line as it is.
    diffIds.forEach((id, i) => {
      if (typeof id !== 'string' || !DIFF_ID.test(id)) {
        throw new ActionError(
          `${this.archive}: layer ${i + 1} of the config ${image.Config} has the diff ID ${JSON.stringify(id).slice(0, 100)}, which is not a sha256 digest (sha256: and 64 lowercase hex digits); the archive is damaged or was not written by docker save`,
        );
      }
    });
    if (diffIds.length !== image.Layers.length) {
      throw new ManifestError(
        `${this.archive}: the config lists ${diffIds.length} layers but manifest.json ${image.Layers.length}`,
      );
    }
    const configDigest = sha256Digest(configBytes);
    const blobs = new Map<string, BlobReader>();
    blobs.set(configDigest, {
      open: async (start, end) => Readable.from([configBytes.subarray(start, end)]),
    });

    // A layer path can repeat (identical layers); prepare each distinct path once.
    const paths = [...new Set(image.Layers)];
    const total = image.Layers.length;
    const preparedByPath = new Map<string, PreparedLayer>();
    await mapPool(paths, this.opts.concurrency ?? 4, async (path) => {
      const index = image.Layers.indexOf(path);
      const diffId = diffIds[index] as string;
      const foreign = image.LayerSources?.[diffId];
      if (foreign) {
        // Foreign layers (Windows base layers) are fetched by clients from their `urls`, never pushed.
        const reader: BlobReader = {
          open: async () => {
            throw new ManifestError(
              `the foreign layer ${foreign.digest} is not in the archive and is never pushed`,
            );
          },
        };
        preparedByPath.set(path, { descriptor: foreign, reader });
        return;
      }
      const entry = resolveTarFile(entries, path);
      if (!entry) throw new ManifestError(`${this.archive} lacks the layer ${path} that manifest.json names`);
      preparedByPath.set(
        path,
        await this.prepareLayer(archive, entry, diffId, index, `layer ${index + 1}/${total}`),
      );
    });
    const layers = image.Layers.map((p) => preparedByPath.get(p) as PreparedLayer);
    for (const l of layers) blobs.set(l.descriptor.digest, l.reader);

    const oci = layers.some((l) => l.descriptor.mediaType === OCI_LAYER_ZSTD);
    const doc: ImageManifest = {
      schemaVersion: 2,
      mediaType: oci ? OCI_MANIFEST : DOCKER_MANIFEST,
      config: { mediaType: oci ? OCI_CONFIG : DOCKER_CONFIG, size: configBytes.length, digest: configDigest },
      layers: layers.map((l) =>
        oci && l.descriptor.mediaType === DOCKER_LAYER_GZIP
          ? { ...l.descriptor, mediaType: OCI_LAYER_GZIP }
          : l.descriptor,
      ),
    };
    const bytes = Buffer.from(JSON.stringify(doc, null, 3));
    const manifest: ManifestBlob = {
      bytes,
      digest: sha256Digest(bytes),
      mediaType: doc.mediaType as string,
      parsed: doc,
    };
    this.prepared = { manifest, blobs };
    return manifest;
  }

  /** Makes a layer pushable: as it is when compressed, else gzip into a temporary file. */
  private async prepareLayer(
    archive: string,
    entry: TarEntry,
    diffId: string,
    index: number,
    label: string,
  ): Promise<PreparedLayer> {
    const head = Buffer.alloc(4);
    const fh = await open(archive, 'r');
    try {
      await fh.read(head, 0, Math.min(4, entry.size), entry.offset);
    } finally {
      await fh.close();
    }
    const kind = detectCompression(head);
    const slice: BlobReader = {
      open: async (start, end) =>
        createReadStream(archive, {
          start: entry.offset + start,
          end: entry.offset + Math.max(start, end) - 1,
          highWaterMark: 1 << 20,
        }),
    };
    if (kind !== 'none') {
      // Already compressed (Docker 25+ with the containerd store): push the bytes as they are.
      // Such archives name blobs by digest; the upload verifies it. Other names are hashed here.
      const named = /(?:^|\/)blobs\/sha256\/([a-f0-9]{64})$/.exec(entry.name);
      let digest = named ? `sha256:${named[1]}` : undefined;
      if (!digest) {
        const hashing = new HashingStream();
        await pipeline(
          await slice.open(0, entry.size),
          hashing,
          new Writable({ write: (_c, _e, done) => done() }),
        );
        digest = hashing.digest();
      }
      return {
        descriptor: {
          mediaType: kind === 'gzip' ? DOCKER_LAYER_GZIP : OCI_LAYER_ZSTD,
          size: entry.size,
          digest,
        },
        reader: slice,
      };
    }
    const started = Date.now();
    // Named by position, never by anything the archive says: the name stays inside the work dir.
    const out = join(await this.workDir(), `layer-${index}.tar.gz`);
    const plain = new HashingStream().expect(
      entry.size,
      diffId,
      `${label} (${entry.name}) of ${this.archive}`,
    );
    const compressed = new HashingStream();
    await pipeline(
      await slice.open(0, entry.size),
      plain,
      createGzip(LAYER_GZIP),
      compressed,
      createWriteStream(out),
    );
    const digest = compressed.digest();
    this.log.info(
      `compressed ${label} ${shortDigest(diffId)}: ${formatBytes(entry.size)} → ${formatBytes(compressed.bytes)} (${shortDigest(digest)}) in ${formatDuration(Date.now() - started)}`,
    );
    return {
      descriptor: { mediaType: DOCKER_LAYER_GZIP, size: compressed.bytes, digest },
      reader: fileReader(out, `the compressed ${label}`, compressed.bytes),
    };
  }

  async child(desc: Descriptor): Promise<ManifestBlob> {
    throw new ManifestError(`a docker save archive holds no child manifests (asked for ${desc.digest})`);
  }

  reader(desc: Descriptor): BlobReader {
    const reader = this.prepared?.blobs.get(desc.digest);
    if (!reader) throw new DigestMismatchError(desc.digest, 'nothing', `the archive's blob`);
    return reader;
  }

  async close(): Promise<void> {
    if (this.work) await rm(this.work, { recursive: true, force: true });
    this.work = undefined;
  }
}
