/**
 * ECR repositories and images through the API (control plane): make sure a repository exists
 * with the settings asked for, read its tag mutability, and retag an image without moving a blob
 * (BatchGetImage + PutImage). Calls go through {@link EcrApi} (ecr-api.ts).
 */
import { ActionError, type Logger } from '@slipway/action-kit';
import { type EcrApi, explainEcrError } from './ecr-api.ts';
import { awsErrorCode } from './errors.ts';

// The actions open the API where they use the repository functions.
export { type EcrApi, openEcr } from './ecr-api.ts';

/** Runs one ECR call and explains a failure in terms of the IAM action it needed. */
async function call<T>(action: `ecr:${string}`, resource: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw explainEcrError(err, action, resource);
  }
}

/** ECR's tag mutability settings (the `_WITH_EXCLUSION` ones come with wildcard filters). */
export type TagMutability = 'MUTABLE' | 'IMMUTABLE' | 'MUTABLE_WITH_EXCLUSION' | 'IMMUTABLE_WITH_EXCLUSION';

/** What Slipway needs to know about a repository. */
export interface EcrRepository {
  name: string;
  /** `<account>.dkr.ecr.<region>.amazonaws.com/<name>`. */
  uri: string;
  registryId: string;
  tagMutability: TagMutability;
  /** Wildcard filters of tags excluded from the mutability setting. */
  exclusionFilters: string[];
  scanOnPush: boolean;
  /** True when this run created it. */
  created: boolean;
}

/** Whether `tag` may not be moved to another image in `repo`, exclusion filters included. */
export function isTagImmutable(
  repo: Pick<EcrRepository, 'tagMutability' | 'exclusionFilters'>,
  tag: string,
): boolean {
  const excluded = repo.exclusionFilters.some((f) =>
    new RegExp(`^${f.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(tag),
  );
  switch (repo.tagMutability) {
    case 'IMMUTABLE':
      return true;
    case 'IMMUTABLE_WITH_EXCLUSION':
      return !excluded;
    case 'MUTABLE_WITH_EXCLUSION':
      return excluded;
    default:
      return false;
  }
}

/** The lifecycle policy `keep-last=N` stands for: expire every image but the newest N. */
export function keepLastPolicy(count: number): string {
  return JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description: `Keep the newest ${count} images`,
        selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: count },
        action: { type: 'expire' },
      },
    ],
  });
}

/**
 * Checks a lifecycle policy document before it is sent (ECR would refuse it after the push):
 * JSON, a non-empty `rules` list, each rule with a priority, a selection and an expire action.
 * Returns the compact JSON; throws an Error whose message says what is wrong.
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html
 */
export function validateLifecyclePolicy(text: string): string {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`is not valid JSON (${(err as Error).message})`, { cause: err });
  }
  const rules = (doc as { rules?: unknown } | null)?.rules;
  if (!doc || typeof doc !== 'object' || !Array.isArray(rules) || rules.length === 0) {
    throw new Error('must be a JSON object with a non-empty "rules" list');
  }
  const priorities = new Set<number>();
  rules.forEach((rule: unknown, i: number) => {
    const r = rule as {
      rulePriority?: unknown;
      selection?: { tagStatus?: unknown; countType?: unknown; countNumber?: unknown };
      action?: { type?: unknown };
    };
    const where = `rules[${i}]`;
    if (!Number.isInteger(r?.rulePriority) || (r.rulePriority as number) < 1) {
      throw new Error(`${where} needs a "rulePriority" of 1 or more`);
    }
    if (priorities.has(r.rulePriority as number))
      throw new Error(`${where} repeats rulePriority ${String(r.rulePriority)}`);
    priorities.add(r.rulePriority as number);
    const s = r.selection;
    if (!s || typeof s !== 'object') throw new Error(`${where} needs a "selection" object`);
    if (!['tagged', 'untagged', 'any'].includes(String(s.tagStatus))) {
      throw new Error(`${where}.selection.tagStatus must be tagged, untagged or any`);
    }
    if (!['imageCountMoreThan', 'sinceImagePushed'].includes(String(s.countType))) {
      throw new Error(`${where}.selection.countType must be imageCountMoreThan or sinceImagePushed`);
    }
    if (!Number.isInteger(s.countNumber) || (s.countNumber as number) < 1) {
      throw new Error(`${where}.selection.countNumber must be a whole number of at least 1`);
    }
    if (r.action?.type !== 'expire') throw new Error(`${where}.action.type must be "expire"`);
  });
  const compact = JSON.stringify(doc);
  if (compact.length > 30720) throw new Error(`is ${compact.length} characters; ECR accepts at most 30720`);
  return compact;
}

/** Options of {@link ensureRepository}. */
export interface EnsureRepositoryOptions {
  name: string;
  /** Create the repository when it does not exist. */
  create: boolean;
  /** Applied when creating. */
  tagMutability: 'MUTABLE' | 'IMMUTABLE';
  /** Applied when creating. */
  scanOnPush: boolean;
  /** A validated lifecycle policy to put on the repository. */
  lifecyclePolicy?: string;
  log: Logger;
}

type RawRepository = {
  repositoryName?: string;
  repositoryUri?: string;
  registryId?: string;
  imageTagMutability?: string;
  imageTagMutabilityExclusionFilters?: { filter?: string }[];
  imageScanningConfiguration?: { scanOnPush?: boolean };
};

function toRepository(raw: RawRepository, created: boolean): EcrRepository {
  return {
    name: raw.repositoryName ?? '',
    uri: raw.repositoryUri ?? '',
    registryId: raw.registryId ?? '',
    tagMutability: (raw.imageTagMutability as TagMutability | undefined) ?? 'MUTABLE',
    exclusionFilters: (raw.imageTagMutabilityExclusionFilters ?? [])
      .map((f) => f.filter ?? '')
      .filter(Boolean),
    scanOnPush: raw.imageScanningConfiguration?.scanOnPush ?? false,
    created,
  };
}

/** A repository looked up but not yet changed: see {@link lookupRepository}. */
export interface RepositoryLookup {
  /** The repository as DescribeRepositories returned it; undefined when it is to be created. */
  existing: EcrRepository | undefined;
  /** Creates the repository when missing, then puts the lifecycle policy when one is given. */
  complete(): Promise<EcrRepository>;
}

/**
 * Finds the repository (DescribeRepositories) without changing anything: a missing repository
 * fails here unless it may be created. The changes (CreateRepository, PutLifecyclePolicy) wait
 * for {@link RepositoryLookup.complete}, so a caller can first make sure the rest of its work
 * (the image source, the registry login) is sound and leave no repository or policy behind
 * when it is not.
 */
export async function lookupRepository(
  api: EcrApi,
  opts: EnsureRepositoryOptions,
): Promise<RepositoryLookup> {
  const { registryId } = api;
  const { name, log } = opts;
  const describe = async (): Promise<EcrRepository | undefined> => {
    try {
      const out = await api.send<{ repositories?: RawRepository[] }>('DescribeRepositories', {
        repositoryNames: [name],
        ...(registryId ? { registryId } : {}),
      });
      const raw = out.repositories?.[0];
      return raw ? toRepository(raw, false) : undefined;
    } catch (err) {
      if (awsErrorCode(err) === 'RepositoryNotFoundException') return undefined;
      throw explainEcrError(err, 'ecr:DescribeRepositories', name);
    }
  };
  const existing = await describe();
  if (!existing && !opts.create) {
    throw new ActionError(
      `the ECR repository ${name} does not exist${registryId ? ` in the registry ${registryId}` : ''}: create it, or set create-repository: true`,
    );
  }
  const complete = async (): Promise<EcrRepository> => {
    let repo = existing;
    if (!repo) {
      try {
        const out = await api.send<{ repository?: RawRepository }>('CreateRepository', {
          repositoryName: name,
          ...(registryId ? { registryId } : {}),
          imageTagMutability: opts.tagMutability,
          imageScanningConfiguration: { scanOnPush: opts.scanOnPush },
        });
        repo = toRepository(out.repository ?? {}, true);
        log.info(
          `created the ECR repository ${name} (tags ${opts.tagMutability.toLowerCase()}, scan on push ${opts.scanOnPush ? 'on' : 'off'})`,
        );
      } catch (err) {
        if (awsErrorCode(err) !== 'RepositoryAlreadyExistsException') {
          throw explainEcrError(err, 'ecr:CreateRepository', name);
        }
        repo = await describe();
        if (!repo)
          throw new ActionError(
            `the ECR repository ${name} exists but DescribeRepositories does not list it`,
          );
      }
    } else {
      log.info(`ECR repository ${repo.uri} (tags ${repo.tagMutability.toLowerCase().replace(/_/g, ' ')})`);
      if (repo.tagMutability.split('_')[0] !== opts.tagMutability) {
        log.debug(
          `image-tag-mutability ${opts.tagMutability} applies when creating; ${name} stays ${repo.tagMutability}`,
        );
      }
    }
    if (opts.lifecyclePolicy) {
      const policy = opts.lifecyclePolicy;
      await call('ecr:PutLifecyclePolicy', name, () =>
        api.send('PutLifecyclePolicy', {
          repositoryName: name,
          ...(registryId ? { registryId } : {}),
          lifecyclePolicyText: policy,
        }),
      );
      const rules = (JSON.parse(policy) as { rules: unknown[] }).rules.length;
      log.info(`lifecycle policy of ${name} set (${rules} rule${rules === 1 ? '' : 's'})`);
    }
    return repo;
  };
  return { existing, complete };
}

/**
 * Finds the repository (DescribeRepositories), creating it when missing and allowed
 * (CreateRepository with the mutability and scan-on-push asked for; a repository created by a
 * parallel job in between is fine), then puts the lifecycle policy when one is given.
 */
export async function ensureRepository(api: EcrApi, opts: EnsureRepositoryOptions): Promise<EcrRepository> {
  return (await lookupRepository(api, opts)).complete();
}

/** The manifest types asked for, so ECR returns manifests as they were pushed (no conversion). */
const ACCEPTED_MEDIA_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];

/** BatchGetImage's answer, the parts Slipway reads. */
interface RawBatchGetImage {
  images?: {
    imageId?: { imageDigest?: string; imageTag?: string };
    imageManifest?: string;
    imageManifestMediaType?: string;
  }[];
  failures?: { failureCode?: string; failureReason?: string }[];
}

/** An image as BatchGetImage returns it. */
export interface EcrImage {
  digest: string;
  manifest: string;
  mediaType: string;
}

/**
 * Reads images by tag or digest; the result maps each id asked for (tag or digest) to its image,
 * and absent ones are missing from it. Tags are asked one request each: the answer's
 * `imageId.imageTag` cannot be relied on to say which tag found an image (moto, for one, reports
 * the image's latest tag), while a request for a single id is unambiguous. Digests (children of an
 * index) go in batches of 100, matched by the digest in the answer.
 */
export async function batchGetImages(
  api: EcrApi,
  repository: string,
  ids: ({ imageTag: string } | { imageDigest: string })[],
): Promise<Map<string, EcrImage>> {
  const { registryId } = api;
  const found = new Map<string, EcrImage>();
  const request = async (batch: typeof ids) => {
    const out = await call('ecr:BatchGetImage', repository, () =>
      api.send<RawBatchGetImage>('BatchGetImage', {
        repositoryName: repository,
        ...(registryId ? { registryId } : {}),
        imageIds: batch,
        acceptedMediaTypes: ACCEPTED_MEDIA_TYPES,
      }),
    );
    for (const failure of out.failures ?? []) {
      if (failure.failureCode === 'KmsError' || failure.failureCode === 'UpstreamUnavailable') {
        throw new ActionError(
          `ECR BatchGetImage failed for ${repository}: ${failure.failureCode}: ${failure.failureReason ?? ''}`,
        );
      }
    }
    const images: EcrImage[] = [];
    for (const image of out.images ?? []) {
      const digest = image.imageId?.imageDigest;
      if (!digest || !image.imageManifest) continue;
      const mediaType =
        image.imageManifestMediaType ??
        ((manifestJson(image.imageManifest, `${repository}@${digest}`) as { mediaType?: string }).mediaType ||
          ACCEPTED_MEDIA_TYPES[2]) ??
        '';
      images.push({ digest, manifest: image.imageManifest, mediaType });
    }
    return images;
  };
  const tags = ids.filter((id): id is { imageTag: string } => 'imageTag' in id);
  const digests = ids.filter((id): id is { imageDigest: string } => 'imageDigest' in id);
  await Promise.all(
    tags.map(async (id) => {
      const [image] = await request([id]);
      if (image) found.set(id.imageTag, image);
    }),
  );
  for (let i = 0; i < digests.length; i += 100) {
    for (const image of await request(digests.slice(i, i + 100))) found.set(image.digest, image);
  }
  return found;
}

/** An image manifest ECR returned, as JSON; anything else is ECR's answer, not a bug here. */
function manifestJson(text: string, image: string): Record<string, unknown> {
  try {
    const doc: unknown = JSON.parse(text);
    if (doc && typeof doc === 'object' && !Array.isArray(doc)) return doc as Record<string, unknown>;
  } catch {
    // Reported below.
  }
  throw new ActionError(
    `ECR returned a manifest for ${image} that is not a JSON object; the image in ECR is damaged or the endpoint is not ECR`,
  );
}

/** Bytes of the blobs an image references (every child of an index counted once). */
export async function imageSize(api: EcrApi, repository: string, image: EcrImage): Promise<number> {
  const doc = manifestJson(image.manifest, `${repository}@${image.digest}`) as {
    config?: { size?: number; digest?: string };
    layers?: { size?: number; digest?: string }[];
    manifests?: { digest: string }[];
  };
  const blobs = new Map<string, number>();
  const add = (d: typeof doc) => {
    if (d.config?.digest) blobs.set(d.config.digest, d.config.size ?? 0);
    for (const l of d.layers ?? []) if (l.digest) blobs.set(l.digest, l.size ?? 0);
  };
  add(doc);
  if (doc.manifests?.length) {
    const children = await batchGetImages(
      api,
      repository,
      doc.manifests.map((m) => ({ imageDigest: m.digest })),
    );
    for (const m of doc.manifests) {
      const child = children.get(m.digest);
      if (child) add(manifestJson(child.manifest, `${repository}@${m.digest}`) as typeof doc);
    }
  }
  let sum = 0;
  for (const n of blobs.values()) sum += n;
  return sum;
}

/** What happened to one tag of a retag. */
export interface RetagTagResult {
  tag: string;
  status: 'created' | 'moved' | 'unchanged';
  previous?: string;
}

/** The outcome of {@link retagImage}. */
export interface RetagResult {
  digest: string;
  mediaType: string;
  size: number;
  tags: RetagTagResult[];
}

/**
 * Points `tags` at an image already in the repository, by tag or digest, with PutImage of its
 * manifest: no blob moves. Tags already on the image are left alone; a tag on another image in an
 * immutable repository stops everything before the first PutImage.
 */
export async function retagImage(
  api: EcrApi,
  opts: {
    repository: string;
    source: { tag: string } | { digest: string };
    tags: string[];
    isTagImmutable: (tag: string) => boolean;
    log: Logger;
  },
): Promise<RetagResult> {
  const { registryId } = api;
  const { repository, log } = opts;
  const sourceId = 'tag' in opts.source ? { imageTag: opts.source.tag } : { imageDigest: opts.source.digest };
  const sourceKey = 'tag' in opts.source ? opts.source.tag : opts.source.digest;
  const images = await batchGetImages(api, repository, [
    sourceId,
    ...opts.tags.map((imageTag) => ({ imageTag })),
  ]);
  const image = images.get(sourceKey);
  if (!image) {
    throw new ActionError(
      `ecr:${sourceKey}: the repository ${repository} has no image ${'tag' in opts.source ? 'tagged' : 'with the digest'} ${sourceKey}`,
    );
  }
  const tags: RetagTagResult[] = opts.tags.map((tag) => {
    const current = images.get(tag);
    if (!current) return { tag, status: 'created' };
    return { tag, status: current.digest === image.digest ? 'unchanged' : 'moved', previous: current.digest };
  });
  const blocked = tags.filter((t) => t.status === 'moved' && opts.isTagImmutable(t.tag));
  if (blocked.length) {
    throw new ActionError(
      `${blocked.map((t) => `${repository}:${t.tag} already names ${t.previous}`).join('; ')}, and the repository's tags are immutable, so it cannot be moved to ${image.digest}. Nothing was changed.`,
    );
  }
  for (const t of tags) {
    if (t.status === 'unchanged') continue;
    try {
      await api.send('PutImage', {
        repositoryName: repository,
        ...(registryId ? { registryId } : {}),
        imageManifest: image.manifest,
        imageManifestMediaType: image.mediaType,
        imageTag: t.tag,
        imageDigest: image.digest,
      });
      log.info(
        `${repository}:${t.tag} → ${image.digest}${t.status === 'moved' ? ` (was ${t.previous})` : ''}`,
      );
    } catch (err) {
      const code = awsErrorCode(err);
      // The tag got there in the meantime (another job): the outcome asked for holds.
      if (code === 'ImageAlreadyExistsException') {
        t.status = 'unchanged';
        continue;
      }
      if (code === 'ImageTagAlreadyExistsException') {
        throw new ActionError(
          `${repository}:${t.tag} already names another image and the repository's tags are immutable (ECR: ${(err as Error).message}). Push under a new tag, or make the repository MUTABLE.`,
        );
      }
      throw explainEcrError(err, 'ecr:PutImage', `${repository}:${t.tag}`);
    }
  }
  const size = await imageSize(api, repository, image);
  return { digest: image.digest, mediaType: image.mediaType, size, tags };
}
