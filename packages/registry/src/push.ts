import { type Logger, ActionError } from '@slipway/action-kit';
import type { BlobOutcome, RegistryClient } from './client.ts';
import { DigestMismatchError } from './digest.ts';
import { shortDigest } from './reference.ts';
import type { ImageSource } from './image-source.ts';
import {
  type Descriptor,
  type ImageIndex,
  type ImageManifest,
  type ManifestBlob,
  ManifestError,
  isIndex,
} from './manifest.ts';
import { isForeignLayer } from './media-types.ts';
import { formatBytes, formatDuration, mapPool } from './util.ts';

/** Options of {@link pushImage}. */
export interface PushImageOptions {
  /** Destination repository in the client's registry. */
  repository: string;
  /** Tags to point at the image (at least one). */
  tags: string[];
  /** Blobs uploaded at the same time. */
  concurrency: number;
  /** Whether a tag may not be moved to another image (ECR IMMUTABLE repositories). */
  isTagImmutable: (tag: string) => boolean;
  log: Logger;
  /** Seconds between overall progress lines while blobs upload (default 10). */
  progressEverySeconds?: number;
  /**
   * The repository was created moments ago and holds nothing: skip the existence checks of tags
   * and blobs (one round trip each) and upload straight away.
   */
  repositoryIsNew?: boolean;
}

/** What happened to one tag. */
export interface TagResult {
  tag: string;
  /** `created`: new tag; `moved`: it pointed at another image; `unchanged`: already this image. */
  status: 'created' | 'moved' | 'unchanged';
  previous?: string;
}

/** The outcome of a push. */
export interface PushImageResult {
  digest: string;
  mediaType: string;
  /** Bytes of all distinct blobs of the image (every platform of an index). */
  size: number;
  /** Bytes sent to the registry. */
  pushedBytes: number;
  /** Bytes the registry already had or mounted. */
  reusedBytes: number;
  blobs: { uploaded: number; mounted: number; existing: number; foreign: number };
  manifests: { pushed: number; existing: number };
  tags: TagResult[];
}

/** A tag in an immutable repository already names another image: nothing was uploaded. */
export class ImmutableTagError extends ActionError {}

interface Plan {
  /** Child manifests of indexes, deepest first, so each is present before its parent. */
  children: ManifestBlob[];
  blobs: { desc: Descriptor; label: string }[];
}

/** Walks the root manifest and the children of every index; blobs are listed once. */
async function planPush(source: ImageSource, root: ManifestBlob): Promise<Plan> {
  const children: ManifestBlob[] = [];
  const blobs = new Map<string, { desc: Descriptor; label: string }>();
  const visit = async (m: ManifestBlob, platform: string, depth: number): Promise<void> => {
    if (depth > 4) throw new ManifestError(`the image nests indexes more than 4 deep`);
    if (isIndex(m.parsed)) {
      for (const desc of (m.parsed as ImageIndex).manifests) {
        const child = await source.child(desc);
        const p = desc.platform;
        const name = p?.os
          ? `${p.os}/${p.architecture ?? '?'}${p.variant ? `/${p.variant}` : ''}`
          : shortDigest(desc.digest);
        const kind = desc.annotations?.['vnd.docker.reference.type'];
        await visit(child, kind ? `${kind} ${shortDigest(desc.digest)}` : name, depth + 1);
        if (!children.some((c) => c.digest === child.digest)) children.push(child);
      }
      return;
    }
    const im = m.parsed as ImageManifest;
    const prefix = platform ? `${platform} ` : '';
    if (!blobs.has(im.config.digest))
      blobs.set(im.config.digest, { desc: im.config, label: `${prefix}config` });
    im.layers.forEach((layer, i) => {
      if (!blobs.has(layer.digest)) {
        blobs.set(layer.digest, { desc: layer, label: `${prefix}layer ${i + 1}/${im.layers.length}` });
      }
    });
  };
  await visit(root, '', 0);
  return { children, blobs: [...blobs.values()] };
}

/** Logs overall progress every few seconds while uploads run. */
class Progress {
  private readonly sent = new Map<string, number>();
  private timer: ReturnType<typeof setInterval> | undefined;
  done = 0;

  constructor(
    private readonly log: Logger,
    private readonly total: number,
    private readonly count: number,
    everySeconds: number,
  ) {
    if (everySeconds > 0) {
      this.timer = setInterval(() => this.report(), everySeconds * 1000);
      this.timer.unref();
    }
  }

  update(digest: string, bytes: number): void {
    this.sent.set(digest, bytes);
  }

  private report(): void {
    let sent = 0;
    for (const n of this.sent.values()) sent += n;
    this.log.info(
      `… ${this.done}/${this.count} blobs done, ${formatBytes(sent)} of ${formatBytes(this.total)} sent`,
    );
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

/**
 * Pushes an image to `repository`:
 * 1. reads the root manifest and every child of an index, so the digest is known;
 * 2. looks at each tag: when all already name this digest, nothing else happens; when one names
 *    another image and that tag is immutable, fails before any blob moves;
 * 3. puts the blobs in, `concurrency` at a time (skipped when present, mounted when the source is
 *    another repository of the same registry, else uploaded and verified);
 * 4. pushes child manifests by digest, then the root manifest under each tag that needs it.
 */
export async function pushImage(
  source: ImageSource,
  client: RegistryClient,
  opts: PushImageOptions,
): Promise<PushImageResult> {
  const { repository, log } = opts;
  const root = await source.root();
  const plan = await planPush(source, root);
  const size = plan.blobs.reduce((sum, b) => sum + b.desc.size, 0);
  log.info(
    `${source.description}: ${root.mediaType} ${root.digest}, ${plan.blobs.length} blobs (${formatBytes(size)})${
      plan.children.length ? `, ${plan.children.length} child manifests` : ''
    }`,
  );

  const tags: TagResult[] = await Promise.all(
    opts.tags.map(async (tag): Promise<TagResult> => {
      if (opts.repositoryIsNew) return { tag, status: 'created' };
      const current = await client.manifestInfo(repository, tag);
      if (!current) return { tag, status: 'created' };
      if (current.digest === root.digest) return { tag, status: 'unchanged', previous: current.digest };
      return { tag, status: 'moved', previous: current.digest };
    }),
  );
  const blocked = tags.filter((t) => t.status === 'moved' && opts.isTagImmutable(t.tag));
  if (blocked.length) {
    throw new ImmutableTagError(
      `${blocked.map((t) => `${repository}:${t.tag} already names ${t.previous}`).join('; ')}, and the repository's tags are immutable, so ${
        blocked.length === 1 ? 'it' : 'they'
      } cannot be moved to ${root.digest}. Nothing was pushed. Push under a new tag (e.g. git-<sha>), or make the repository MUTABLE.`,
    );
  }
  const result: PushImageResult = {
    digest: root.digest,
    mediaType: root.mediaType,
    size,
    pushedBytes: 0,
    reusedBytes: 0,
    blobs: { uploaded: 0, mounted: 0, existing: 0, foreign: 0 },
    manifests: { pushed: 0, existing: 0 },
    tags,
  };
  if (tags.every((t) => t.status === 'unchanged')) {
    log.info(
      `${tags.map((t) => `${repository}:${t.tag}`).join(', ')} already name ${root.digest}: nothing to push`,
    );
    result.reusedBytes = size;
    result.blobs.existing = plan.blobs.length;
    return result;
  }

  const mountFrom =
    source.mountFrom && source.mountFrom.host === client.host && source.mountFrom.repository !== repository
      ? source.mountFrom.repository
      : undefined;
  const progress = new Progress(log, size, plan.blobs.length, opts.progressEverySeconds ?? 10);
  try {
    await mapPool(plan.blobs, opts.concurrency, async ({ desc, label }) => {
      const name = `${label} ${shortDigest(desc.digest)} (${formatBytes(desc.size)})`;
      if (isForeignLayer(desc.mediaType)) {
        result.blobs.foreign++;
        log.info(`${name}: foreign layer, not pushed (clients fetch it from its urls)`);
        return;
      }
      const started = Date.now();
      let outcome: BlobOutcome;
      try {
        outcome = await client.pushBlob(repository, desc, source.reader(desc), {
          ...(mountFrom ? { mountFrom } : {}),
          ...(opts.repositoryIsNew ? { knownMissing: true } : {}),
          onProgress: (sent) => progress.update(desc.digest, sent),
        });
      } catch (err) {
        if (err instanceof DigestMismatchError) throw new ActionError(`${name}: ${err.message}`);
        throw err;
      }
      progress.done++;
      progress.update(desc.digest, outcome === 'uploaded' ? desc.size : 0);
      if (outcome === 'uploaded') {
        result.blobs.uploaded++;
        result.pushedBytes += desc.size;
        const seconds = (Date.now() - started) / 1000;
        log.info(
          `${name}: uploaded in ${formatDuration(seconds * 1000)}${seconds > 0.05 ? ` (${formatBytes(desc.size / seconds)}/s)` : ''}`,
        );
      } else {
        result.reusedBytes += desc.size;
        if (outcome === 'mounted') result.blobs.mounted++;
        else result.blobs.existing++;
        log.info(
          `${name}: ${outcome === 'mounted' ? `mounted from ${mountFrom}` : 'already there, skipped'}`,
        );
      }
    });
  } finally {
    progress.stop();
  }

  for (const child of plan.children) {
    if (!opts.repositoryIsNew && (await client.manifestInfo(repository, child.digest))) {
      result.manifests.existing++;
      continue;
    }
    await client.putManifest(repository, child.digest, child);
    result.manifests.pushed++;
  }
  for (const t of tags) {
    if (t.status === 'unchanged') continue;
    await client.putManifest(repository, t.tag, root);
    result.manifests.pushed++;
    log.info(`${repository}:${t.tag} → ${root.digest}${t.status === 'moved' ? ` (was ${t.previous})` : ''}`);
  }
  return result;
}
