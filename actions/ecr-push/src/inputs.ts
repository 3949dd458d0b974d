import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { InputError, Inputs, asInput, quote, resolveInWorkspace } from '@slipway/action-kit';
import type { InputSource, RunContext } from '@slipway/action-kit';
import { parseRegistry } from '@slipway/aws/ecr-auth.ts';
import { keepLastPolicy, validateLifecyclePolicy } from '@slipway/aws/ecr-repository.ts';
import { SEVERITY_THRESHOLDS, type SeverityThreshold } from '@slipway/aws/ecr-scan.ts';
import { resolveRegion } from '@slipway/aws/region.ts';
import { readRegistryUrl } from '@slipway/aws/registry-url.ts';
import { isValidRepositoryName, isValidTag } from '@slipway/registry/reference.ts';
import {
  type ImageSourceSpec,
  SourceSpecError,
  parseSourceSpec,
  resolveSourcePath,
} from '@slipway/registry/transport.ts';

/** The validated inputs of ecr-push. */
export interface EcrPushInputs {
  repository: string;
  source: ImageSourceSpec;
  tags: string[];
  createRepository: boolean;
  tagMutability: 'MUTABLE' | 'IMMUTABLE';
  scanOnPush: boolean;
  /** Compact JSON, already checked. */
  lifecyclePolicy?: string;
  /** Data-plane base URL overriding the token's proxy endpoint. */
  registryUrl?: URL;
  /** Account (and host) of the registry when it is not the caller's own. */
  registry?: { accountId: string; host: string };
  region: string;
  scanSeverityThreshold: SeverityThreshold;
  concurrency: number;
  /** Where temporary files go (RUNNER_TEMP). */
  tempDir: string;
}

/** The workspace, against which relative paths are resolved (the runner's working directory). */
export function workspace(env: NodeJS.ProcessEnv = process.env): string {
  return env.GITHUB_WORKSPACE || process.cwd();
}

/**
 * `git-<sha7>` always, plus `latest` when the run is on the repository's default branch (named
 * by the event payload, which every event of a repository carries).
 */
export function defaultTags(context: RunContext): string[] {
  const sha = context.sha;
  if (!sha || !/^[0-9a-f]{7,}$/i.test(sha)) {
    throw new InputError(
      'tags',
      'was not given and GITHUB_SHA is not set, so the default git-<sha7> tag cannot be made; set tags',
    );
  }
  const tags = [`git-${sha.slice(0, 7).toLowerCase()}`];
  const defaultBranch = context.defaultBranch;
  if (defaultBranch && context.ref === `refs/heads/${defaultBranch}`) tags.push('latest');
  return tags;
}

/**
 * `keep-last=N`, inline JSON, or a JSON file in the workspace → a checked policy document. A file
 * outside the workspace (symbolic links followed) is refused unless `allowOutside`.
 */
export function readLifecyclePolicy(value: string, baseDir: string, allowOutside = false): string {
  const keep = /^keep-last\s*=\s*(.*)$/i.exec(value);
  if (keep) {
    const n = /^\d+$/.test(keep[1] ?? '') ? Number(keep[1]) : NaN;
    if (!Number.isSafeInteger(n) || n < 1 || n > 10_000) {
      throw new InputError(
        'lifecycle-policy',
        `${quote(value)}: keep-last needs a whole number from 1 to 10000, e.g. keep-last=30`,
      );
    }
    return keepLastPolicy(n);
  }
  let text = value;
  let where = 'the inline policy';
  if (!value.trimStart().startsWith('{')) {
    const path = resolveInWorkspace('lifecycle-policy', value, { workspace: baseDir, allowOutside });
    if (!existsSync(path)) {
      throw new InputError(
        'lifecycle-policy',
        `${quote(value)}: ${path} does not exist; give a JSON policy file, inline JSON or keep-last=N`,
      );
    }
    text = readFileSync(path, 'utf8');
    where = value;
  }
  try {
    return validateLifecyclePolicy(text);
  } catch (err) {
    throw new InputError('lifecycle-policy', `${where} ${(err as Error).message}`);
  }
}

/**
 * Reads and validates every input; nothing has touched AWS or a registry yet. The default tags
 * come from `context`; the workspace, temporary folder and region from the environment.
 */
export function readInputs(
  source: InputSource,
  context: RunContext,
  env: NodeJS.ProcessEnv = process.env,
): EcrPushInputs {
  const inputs = new Inputs(source);
  const base = workspace(env);

  const repository = inputs.string('repository', { required: true });
  if (!isValidRepositoryName(repository)) {
    throw new InputError(
      'repository',
      `${quote(repository)} is not an ECR repository name: 2 to 256 lowercase letters, digits and . _ - separated by /, e.g. team/service`,
    );
  }

  const allowOutside = inputs.boolean('allow-outside-workspace', false);
  let spec: ImageSourceSpec;
  try {
    const parsed = parseSourceSpec(inputs.string('source', { required: true }));
    // A file source is read from the workspace: a path out of it (symbolic links followed) is
    // refused unless allow-outside-workspace says the image was built elsewhere (RUNNER_TEMP).
    const confined =
      parsed.transport === 'oci' || parsed.transport === 'docker-archive'
        ? { ...parsed, path: resolveInWorkspace('source', parsed.path, { workspace: base, allowOutside }) }
        : parsed;
    spec = resolveSourcePath(confined, base);
  } catch (err) {
    if (err instanceof SourceSpecError) throw new InputError('source', err.message);
    throw err;
  }

  const given = inputs.list('tags');
  const tags = [...new Set(given.length ? given : defaultTags(context))];
  const bad = tags.filter((t) => !isValidTag(t));
  if (bad.length) {
    throw new InputError(
      'tags',
      `${bad.map(quote).join(', ')} ${bad.length === 1 ? 'is not a valid tag' : 'are not valid tags'}: up to 128 letters, digits, _ . and -, not starting with . or -`,
    );
  }

  const createRepository = inputs.boolean('create-repository', true);
  const tagMutability = inputs.enum('image-tag-mutability', ['MUTABLE', 'IMMUTABLE'] as const, 'MUTABLE');
  const scanOnPush = inputs.boolean('scan-on-push', true);
  const policyValue = inputs.optional('lifecycle-policy');
  const lifecyclePolicy =
    policyValue === undefined ? undefined : readLifecyclePolicy(policyValue, base, allowOutside);
  const urlValue = inputs.optional('registry-url');
  const registryUrl =
    urlValue === undefined ? undefined : asInput('registry-url', () => readRegistryUrl(urlValue));

  const registryValue = inputs.optional('registry');
  const envRegion = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  const parsedRegistry = registryValue === undefined ? undefined : parseRegistry(registryValue, envRegion);
  if (registryValue !== undefined && !parsedRegistry) {
    throw new InputError(
      'registry',
      `${quote(registryValue)} is not an AWS account ID (12 digits) or an ECR registry host such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com`,
    );
  }
  const region = asInput('region', () =>
    resolveRegion(inputs.optional('region') ?? parsedRegistry?.region, env),
  );

  const scanSeverityThreshold = inputs.enum('scan-severity-threshold', SEVERITY_THRESHOLDS, 'none');
  const concurrency = inputs.integer('concurrency', { default: 4, min: 1, max: 32 }) ?? 4;

  return {
    repository,
    source: spec,
    tags,
    createRepository,
    tagMutability,
    scanOnPush,
    ...(lifecyclePolicy ? { lifecyclePolicy } : {}),
    ...(registryUrl ? { registryUrl } : {}),
    ...(parsedRegistry
      ? { registry: { accountId: parsedRegistry.accountId, host: parsedRegistry.host } }
      : {}),
    region,
    scanSeverityThreshold,
    concurrency,
    tempDir: env.RUNNER_TEMP || tmpdir(),
  };
}
