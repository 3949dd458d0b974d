import { InputError, Inputs, asInput, quote, type InputSource, type RunContext } from '@slipway/action-kit';
import { resolveRegion } from '@slipway/aws';
import {
  RELEASE_STATUSES,
  type ArgoRelease,
  type PipelineRelease,
  type ReleaseStatus,
  type UrlRelease,
  type VersionLocation,
} from '@slipway/release';

/** How the release is followed. */
export type AwaitMode = 'codepipeline' | 'url' | 'argocd';
const MODES: readonly AwaitMode[] = ['codepipeline', 'url', 'argocd'];

/** The validated inputs of await-release: exactly one target, by mode. */
export type AwaitReleaseInputs = {
  timeoutMs: number;
  intervalMs: number;
  /** Statuses that fail the step. */
  failOn: ReleaseStatus[];
} & (
  | { mode: 'codepipeline'; pipeline: PipelineRelease }
  | { mode: 'url'; endpoint: UrlRelease }
  | { mode: 'argocd'; argo: ArgoRelease }
);

/** The token, raw: read first so it can be masked before anything else runs. */
export function readToken(source?: InputSource): string | undefined {
  return new Inputs(source).optional('token');
}

const INPUTS_OF: Record<AwaitMode, string[]> = {
  codepipeline: ['pipeline', 'version-id', 'region'],
  url: ['url'],
  argocd: ['server', 'application', 'token'],
};

function readMode(inputs: Inputs): AwaitMode {
  const given = inputs.optional('mode');
  if (given !== undefined) return inputs.enum('mode', MODES);
  const candidates = MODES.filter((m) => inputs.optional(INPUTS_OF[m][0] as string) !== undefined);
  if (candidates.length === 1) return candidates[0] as AwaitMode;
  if (candidates.length === 0) {
    throw new InputError(
      'mode',
      'nothing to follow: give pipeline and version-id (CodePipeline), url and expect (an HTTP endpoint), or server, application and token (Argo CD)',
    );
  }
  throw new InputError(
    'mode',
    `is needed: inputs of several modes were given (${candidates.map((m) => `${INPUTS_OF[m][0]} → ${m}`).join(', ')}); set mode to one of ${MODES.join(', ')}`,
  );
}

/** Parses version-at: `json:/pointer`, `header:Name` or `regex:pattern`. */
export function parseVersionAt(value: string): VersionLocation | undefined {
  const m = /^(json|header|regex):(.*)$/s.exec(value.trim());
  if (!m) return undefined;
  const rest = (m[2] ?? '').trim();
  if (m[1] === 'json')
    return rest === '' || rest.startsWith('/') ? { kind: 'json', pointer: rest } : undefined;
  if (m[1] === 'header')
    return /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(rest) ? { kind: 'header', name: rest } : undefined;
  try {
    return rest ? { kind: 'regex', pattern: new RegExp(rest) } : undefined;
  } catch {
    return undefined;
  }
}

function httpUrl(inputs: Inputs, name: string, example: string): string {
  const value = inputs.string(name, { required: true });
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new InputError(name, `${quote(value)} is not an http(s) URL; use e.g. ${example}`);
  }
  return value;
}

/**
 * Reads and validates every input before anything is fetched. Errors name the input, the bad value
 * (never the token) and the accepted form. The Argo CD revision defaults to the run's commit; the
 * region comes from the environment (`AWS_REGION`) when no input names it.
 */
export function readInputs(
  source: InputSource,
  context: RunContext,
  env: NodeJS.ProcessEnv = process.env,
): AwaitReleaseInputs {
  const inputs = new Inputs(source);
  const mode = readMode(inputs);
  for (const other of MODES.filter((m) => m !== mode)) {
    for (const name of INPUTS_OF[other]) {
      if (name !== 'region' && inputs.optional(name) !== undefined) {
        throw new InputError(name, `is for ${other} mode, not ${mode}; remove it or set mode: ${other}`);
      }
    }
  }

  const timeoutMs = inputs.duration('timeout', '15m') ?? 900_000;
  if (timeoutMs < 1000 || timeoutMs > 6 * 3_600_000) {
    throw new InputError('timeout', `${quote(inputs.string('timeout'))} is out of range; use from 1s to 6h`);
  }
  const intervalMs = inputs.duration('interval', '10s') ?? 10_000;
  if (intervalMs < 100 || intervalMs > 300_000) {
    throw new InputError(
      'interval',
      `${quote(inputs.string('interval'))} is out of range; use from 100ms to 5m`,
    );
  }
  const failOnText = inputs.list('fail-on');
  let failOn: ReleaseStatus[];
  if (failOnText.length === 1 && failOnText[0]?.toLowerCase() === 'none') failOn = [];
  else if (failOnText.length === 0) failOn = ['failed', 'superseded', 'timed-out'];
  else {
    failOn = failOnText.map((s) => {
      const status = RELEASE_STATUSES.find((r) => r === s.toLowerCase());
      if (!status || status === 'live') {
        throw new InputError(
          'fail-on',
          `${quote(s)} is not a status that can fail the step; use any of failed, superseded, timed-out (comma separated), or none`,
        );
      }
      return status;
    });
  }
  const common = { timeoutMs, intervalMs, failOn };

  if (mode === 'codepipeline') {
    const pipeline = inputs.string('pipeline', { required: true });
    if (!/^[A-Za-z0-9.@_-]{1,100}$/.test(pipeline)) {
      throw new InputError(
        'pipeline',
        `${quote(pipeline)} is not a pipeline name; use letters, digits and . @ _ - (at most 100)`,
      );
    }
    const versionId = inputs.optional('version-id');
    if (!versionId) {
      throw new InputError(
        'version-id',
        "is required with pipeline: pass render-manifest's artifact-version-id output (the S3 version of the release artifact)",
      );
    }
    if (/\s/.test(versionId) || versionId.length > 1024) {
      throw new InputError(
        'version-id',
        `${quote(versionId)} is not an S3 version ID; pass render-manifest's artifact-version-id output`,
      );
    }
    const logLines = inputs.integer('log-lines', { default: 50, min: 0, max: 1000 }) ?? 50;
    const region = asInput('region', () => resolveRegion(inputs.optional('region'), env));
    return { ...common, mode, pipeline: { pipeline, versionId, region, logLines } };
  }

  if (mode === 'url') {
    const url = httpUrl(inputs, 'url', 'https://shop.example.com/version');
    const expect = inputs.optional('expect');
    if (!expect) {
      throw new InputError(
        'expect',
        'is required in url mode: the version the endpoint reports once the release is live, e.g. 1.4.2',
      );
    }
    const at = inputs.string('version-at', { default: 'json:/version' });
    const versionAt = parseVersionAt(at);
    if (!versionAt) {
      throw new InputError(
        'version-at',
        `${quote(at)} is not a version location; use json:/pointer (e.g. json:/build/version), header:Name (e.g. header:X-Version) or regex:pattern (e.g. regex:version=(\\S+))`,
      );
    }
    const consecutive = inputs.integer('consecutive', { default: 1, min: 1, max: 100 }) ?? 1;
    return { ...common, mode, endpoint: { url, expect, versionAt, consecutive } };
  }

  const server = httpUrl(inputs, 'server', 'https://argocd.example.com');
  const application = inputs.string('application', { required: true });
  if (!/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/.test(application)) {
    throw new InputError(
      'application',
      `${quote(application)} is not an Argo CD application name; use lowercase letters, digits, . and -`,
    );
  }
  const token = inputs.optional('token');
  if (!token)
    throw new InputError(
      'token',
      'is required in argocd mode: an Argo CD API token with get on the application',
    );
  const revision = inputs.optional('expect') ?? (context.sha.trim() || undefined);
  if (!revision) {
    throw new InputError(
      'expect',
      'is required in argocd mode outside a workflow run: the commit the application must be synced to',
    );
  }
  return { ...common, mode, argo: { server, application, token, revision } };
}
