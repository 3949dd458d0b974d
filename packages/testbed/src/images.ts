import { execFile } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Shape of the test image both writers produce. */
export interface TestImageOptions {
  /** Number of layers (≥ 1). */
  layers: number;
  /** Bytes of pseudo-random (incompressible) content per layer. */
  layerSize: number;
  /** Same seed → byte-identical image; different seed → different digests. */
  seed: string | number;
}

/** What a layer is made of. */
export interface LayerInfo {
  /** Digest of the blob as stored (gzip for OCI layouts, plain tar for docker archives). */
  digest: string;
  size: number;
  /** Digest of the uncompressed tar (the config's rootfs.diff_ids entry). */
  diffId: string;
}

/** An OCI image layout read back from disk. */
export interface OciLayoutInfo {
  manifestDigest: string;
  manifestSize: number;
  manifest: { config: { digest: string; size: number }; layers: { digest: string; size: number }[] };
  config: { digest: string; size: number };
  layers: LayerInfo[];
  /** The `org.opencontainers.image.ref.name` annotation of the manifest in index.json. */
  tag?: string;
}

const sha256 = (data: Buffer | string): string => 'sha256:' + createHash('sha256').update(data).digest('hex');

/** Deterministic incompressible bytes: AES-256-CTR keystream keyed by the seed. */
function pseudoRandom(seed: string, size: number): Buffer {
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(Buffer.alloc(size)), cipher.final()]);
}

/** Writes one layer's files and a reproducible tar of them; returns the tar path. */
async function writeLayerTar(work: string, seed: string, index: number, size: number): Promise<string> {
  const root = join(work, `layer-${index}`);
  mkdirSync(join(root, 'data'), { recursive: true });
  const file = join(root, 'data', `layer-${index}.bin`);
  writeFileSync(file, pseudoRandom(`${seed}/${index}`, size));
  writeFileSync(join(root, 'data', 'seed.txt'), `${seed}/${index}\n`);
  for (const p of [join(root, 'data', 'seed.txt'), file]) chmodSync(p, 0o644);
  chmodSync(join(root, 'data'), 0o755);
  const tar = join(work, `layer-${index}.tar`);
  await reproducibleTar(root, ['data'], tar);
  return tar;
}

function imageConfig(diffIds: string[], seed: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '1970-01-01T00:00:00Z',
      config: { Cmd: ['/data/seed.txt'], Labels: { 'org.slipway.test-seed': seed } },
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: diffIds.map((_, i) => ({ created: '1970-01-01T00:00:00Z', created_by: `test layer ${i}` })),
    }),
  );
}

function checkOptions(opts: TestImageOptions): void {
  if (!Number.isInteger(opts.layers) || opts.layers < 1) throw new Error('layers must be a positive integer');
  if (!Number.isInteger(opts.layerSize) || opts.layerSize < 0)
    throw new Error('layerSize must be a whole number of bytes');
}

/** Reproducible tar of `root`'s `entries`, as TESTBED.md prescribes: sorted, fixed mtime and owners. */
async function reproducibleTar(root: string, entries: string[], tar: string): Promise<void> {
  await run('tar', [
    '--format=gnu',
    '--sort=name',
    '--mtime=@0',
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '-C',
    root,
    '-cf',
    tar,
    ...entries,
  ]);
}

/**
 * Writes an OCI image layout (`oci-layout`, `index.json`, `blobs/sha256/…`) from layer tars (gzipped
 * here with `gzip -n`) and an image config; returns the manifest digest. The index names the
 * manifest `tag`, so `skopeo copy oci:DIR:TAG …` and Slipway's `oci:DIR:TAG` find it.
 */
async function assembleOciLayout(
  dir: string,
  tars: string[],
  config: (diffIds: string[]) => Buffer,
  tag: string,
): Promise<string> {
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const putBlob = (data: Buffer): { digest: string; size: number } => {
    const digest = sha256(data);
    writeFileSync(join(blobs, digest.slice('sha256:'.length)), data);
    return { digest, size: data.length };
  };
  const layers: { digest: string; size: number; diffId: string }[] = [];
  for (const tar of tars) {
    const diffId = sha256(readFileSync(tar));
    await run('gzip', ['-n', '-6', '-f', tar]);
    layers.push({ ...putBlob(readFileSync(`${tar}.gz`)), diffId });
  }
  const configBlob = putBlob(config(layers.map((l) => l.diffId)));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...configBlob },
      layers: layers.map(({ digest, size }) => ({
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        digest,
        size,
      })),
    }),
  );
  const m = putBlob(manifest);
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...m,
          annotations: { 'org.opencontainers.image.ref.name': tag },
        },
      ],
    }),
  );
  return m.digest;
}

/**
 * Writes a reproducible OCI image layout with `opts.layers` gzip layers of pseudo-random content
 * (tag default `latest`); returns the manifest digest.
 */
export async function writeOciLayout(
  dir: string,
  opts: TestImageOptions & { tag?: string },
): Promise<string> {
  checkOptions(opts);
  const seed = String(opts.seed);
  const work = mkdtempSync(join(tmpdir(), 'slw-oci-'));
  try {
    const tars: string[] = [];
    for (let i = 0; i < opts.layers; i++) tars.push(await writeLayerTar(work, seed, i, opts.layerSize));
    return await assembleOciLayout(dir, tars, (diffIds) => imageConfig(diffIds, seed), opts.tag ?? 'latest');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** What {@link writeOciImageFromDir} puts in the image config. */
export interface DirImageConfig {
  Cmd?: string[];
  Env?: string[];
  WorkingDir?: string;
  Labels?: Record<string, string>;
}

/**
 * Builds a one-layer OCI image of real files without a daemon: `files` (relative to `root`) land
 * under `/<prefix>` in the image. Reproducible: the same files give the same digest.
 */
export async function writeOciImageFromDir(
  dir: string,
  opts: { root: string; files: string[]; prefix: string; config: DirImageConfig; tag: string },
): Promise<string> {
  const work = mkdtempSync(join(tmpdir(), 'slw-oci-'));
  try {
    const staged = join(work, 'rootfs');
    for (const f of opts.files) {
      const target = join(staged, opts.prefix, f);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, readFileSync(join(opts.root, f)));
      chmodSync(target, 0o644);
    }
    const tar = join(work, 'layer.tar');
    await reproducibleTar(staged, [opts.prefix], tar);
    return await assembleOciLayout(
      dir,
      [tar],
      (diffIds) =>
        Buffer.from(
          JSON.stringify({
            architecture: 'amd64',
            os: 'linux',
            created: '1970-01-01T00:00:00Z',
            config: opts.config,
            rootfs: { type: 'layers', diff_ids: diffIds },
            history: [
              {
                created: '1970-01-01T00:00:00Z',
                created_by: `COPY ${opts.files.join(' ')} /${opts.prefix}/`,
              },
            ],
          }),
        ),
      opts.tag,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Reads an OCI image layout with one manifest (as writeOciLayout makes) back. */
export function readOciLayout(dir: string): OciLayoutInfo {
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as {
    manifests: { digest: string; size: number; annotations?: Record<string, string> }[];
  };
  const entry = index.manifests[0];
  if (!entry) throw new Error(`${dir}/index.json lists no manifest`);
  const blob = (digest: string): Buffer =>
    readFileSync(join(dir, 'blobs', 'sha256', digest.replace(/^sha256:/, '')));
  const manifest = JSON.parse(blob(entry.digest).toString('utf8')) as OciLayoutInfo['manifest'];
  const config = JSON.parse(blob(manifest.config.digest).toString('utf8')) as {
    rootfs: { diff_ids: string[] };
  };
  return {
    manifestDigest: entry.digest,
    manifestSize: entry.size,
    manifest,
    config: { digest: manifest.config.digest, size: manifest.config.size },
    layers: manifest.layers.map((l, i) => ({
      digest: l.digest,
      size: l.size,
      diffId: config.rootfs.diff_ids[i] ?? '',
    })),
    tag: entry.annotations?.['org.opencontainers.image.ref.name'],
  };
}

/**
 * Writes a `docker save`-format archive (manifest.json, config JSON, one uncompressed
 * `<diffid>/layer.tar` per layer) that `docker load` accepts; returns the image ID
 * (`sha256:` of the config). `repoTags` (e.g. `['shop:test']`) name the image when loaded.
 */
export async function writeDockerArchive(
  file: string,
  opts: TestImageOptions & { repoTags?: string[] },
): Promise<string> {
  checkOptions(opts);
  const seed = String(opts.seed);
  const work = mkdtempSync(join(tmpdir(), 'slw-archive-'));
  try {
    const stage = join(work, 'archive');
    mkdirSync(stage);
    const layerPaths: string[] = [];
    const diffIds: string[] = [];
    for (let i = 0; i < opts.layers; i++) {
      const tar = await writeLayerTar(work, seed, i, opts.layerSize);
      const diffId = sha256(readFileSync(tar));
      const hex = diffId.slice('sha256:'.length);
      mkdirSync(join(stage, hex), { recursive: true });
      renameSync(tar, join(stage, hex, 'layer.tar'));
      layerPaths.push(`${hex}/layer.tar`);
      diffIds.push(diffId);
    }
    const config = imageConfig(diffIds, seed);
    const imageId = sha256(config);
    const configName = `${imageId.slice('sha256:'.length)}.json`;
    writeFileSync(join(stage, configName), config);
    writeFileSync(
      join(stage, 'manifest.json'),
      JSON.stringify([{ Config: configName, RepoTags: opts.repoTags ?? null, Layers: layerPaths }]),
    );
    mkdirSync(dirname(file), { recursive: true });
    const entries = ['manifest.json', configName, ...layerPaths.map((p) => dirname(p))].sort();
    await reproducibleTar(stage, entries, file);
    if (!statSync(file).size) throw new Error(`tar wrote an empty ${file}`);
    return imageId;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
