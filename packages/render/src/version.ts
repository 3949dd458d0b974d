import { quote, type RunContext } from '@slipway/action-kit';
import { RenderParameterError } from './errors.ts';

/** The longest Kubernetes label value, so a version can go into `app.kubernetes.io/version`. */
export const MAX_VERSION_LENGTH = 63;
const LABEL_VALUE = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;

/** What the default version is made of. */
export interface VersionSource {
  /** Branch or tag name: the run context's `branch` (the head branch on pull requests). */
  branch?: string;
  /** The commit: the run context's `sha`. */
  sha: string;
  /** When the release is cut. */
  now: Date;
}

/**
 * `<branch>-<UTC yyyymmdd-HHMMSS>-<sha7>`, the naming `aws deploy push` users already follow.
 * The branch is lower-cased, every run of other characters becomes one `-`, and it is cut so the
 * whole stays a valid label value (≤ 63 characters) that always ends in the short commit.
 */
export function defaultVersion(source: VersionSource): string {
  const sha7 = source.sha.toLowerCase().slice(0, 7);
  if (!/^[0-9a-f]{7}$/.test(sha7)) {
    throw new RenderParameterError(
      'version',
      `cannot derive a default from the commit ${quote(source.sha)}; set version`,
    );
  }
  const d = source.now;
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const stamp =
    `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}-` +
    `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
  const tail = `${stamp}-${sha7}`;
  const room = MAX_VERSION_LENGTH - tail.length - 1;
  const branch = (source.branch ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, room)
    .replace(/^-+|-+$/g, '');
  return branch ? `${branch}-${tail}` : tail;
}

/** Checks a given version: it names an S3 folder and usually a label, so it must be a label value. */
export function checkVersion(version: string): string {
  if (version.length > MAX_VERSION_LENGTH || !LABEL_VALUE.test(version)) {
    throw new RenderParameterError(
      'version',
      `${quote(version)} is not usable as a release name; use at most ${MAX_VERSION_LENGTH} letters, digits, '.', '-' or '_', starting and ending with a letter or digit (a Kubernetes label value)`,
    );
  }
  return version;
}

/**
 * The release time: SOURCE_DATE_EPOCH when set (reproducible builds, tests), else now.
 * https://reproducible-builds.org/docs/source-date-epoch/
 */
export function releaseTime(env: NodeJS.ProcessEnv): Date {
  const epoch = env.SOURCE_DATE_EPOCH;
  if (epoch && /^\d+$/.test(epoch)) return new Date(Number(epoch) * 1000);
  return new Date();
}

/**
 * The release version every step of one deploy agrees on: the `version` input checked, or the
 * default built from the run's branch, commit and `now` (render-manifest and gitops-publish both
 * call this, so the same inputs give the same version).
 */
export function releaseVersion(
  input: string | undefined,
  context: Pick<RunContext, 'branch' | 'sha'>,
  now: Date,
): string {
  return input ? checkVersion(input) : defaultVersion({ branch: context.branch, sha: context.sha, now });
}

/** The project: the `project` input, else the repository's name (the part after the `/`). */
export function projectName(input: string | undefined, context: Pick<RunContext, 'repository'>): string {
  const project = input ?? context.repository.split('/')[1];
  if (!project) throw new RenderParameterError('project', 'is required when GITHUB_REPOSITORY is not set');
  return project;
}
