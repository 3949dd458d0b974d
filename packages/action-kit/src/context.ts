/**
 * What a run is about, read one way for every Slipway action: the runner's `GITHUB_*` variables
 * and the event payload. Actions receive it as the `context` argument of their work function;
 * nothing else reads `GITHUB_*` or `GITHUB_EVENT_PATH`.
 */
import { readFileSync } from 'node:fs';

export interface RunContext {
  /** `https://github.com`, or the GitHub Enterprise Server's URL; no trailing slash. */
  serverUrl: string;
  /** The REST API's URL (`GITHUB_API_URL`); no trailing slash. */
  apiUrl: string;
  /** `owner/name`; empty outside a runner. */
  repository: string;
  /** The commit the run is for (`GITHUB_SHA`: the merge commit for pull requests). */
  sha: string;
  /** The commit being deployed: the pull request's head for pull requests, else `sha`. */
  headSha: string;
  /** The full ref (`GITHUB_REF`, e.g. `refs/heads/main`). */
  ref: string;
  /** The branch a run builds: the pull request's head branch, else the pushed branch or tag name. */
  branch: string | undefined;
  /** The repository's default branch, when the event carries it. */
  defaultBranch: string | undefined;
  /** `GITHUB_EVENT_NAME`. */
  eventName: string;
  /** The event payload (`GITHUB_EVENT_PATH`), `{}` when there is none. */
  payload: Record<string, unknown>;
  /** Who triggered the run (`GITHUB_TRIGGERING_ACTOR`, else `GITHUB_ACTOR`). */
  actor: string;
  workflow: string;
  job: string;
  runId: string;
  runNumber: string;
  runAttempt: string;
  /** The run's page, when the runner says which run this is. */
  runUrl: string | undefined;
}

let cached: RunContext | undefined;

/** The run context of this process, read once. */
export function runContext(): RunContext {
  cached ??= readRunContext(process.env);
  return cached;
}

/** Reads a run context from an environment (tests give their own). */
export function readRunContext(env: NodeJS.ProcessEnv): RunContext {
  const payload = readEvent(env.GITHUB_EVENT_PATH);
  const pr = payload.pull_request as { head?: { sha?: string; ref?: string } } | undefined;
  const repo = payload.repository as { default_branch?: string } | undefined;
  const serverUrl = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '');
  const repository = env.GITHUB_REPOSITORY ?? '';
  const sha = env.GITHUB_SHA ?? '';
  const runId = env.GITHUB_RUN_ID ?? '';
  return {
    serverUrl,
    apiUrl: (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, ''),
    repository,
    sha,
    headSha: pr?.head?.sha || sha,
    ref: env.GITHUB_REF ?? '',
    branch:
      env.GITHUB_HEAD_REF ||
      env.GITHUB_REF_NAME ||
      env.GITHUB_REF?.replace(/^refs\/(heads|tags)\//, '') ||
      undefined,
    defaultBranch: repo?.default_branch || undefined,
    eventName: env.GITHUB_EVENT_NAME ?? '',
    payload,
    actor: env.GITHUB_TRIGGERING_ACTOR || env.GITHUB_ACTOR || '',
    workflow: env.GITHUB_WORKFLOW ?? '',
    job: env.GITHUB_JOB ?? '',
    runId,
    runNumber: env.GITHUB_RUN_NUMBER ?? '',
    runAttempt: env.GITHUB_RUN_ATTEMPT || '1',
    runUrl: repository && runId ? `${serverUrl}/${repository}/actions/runs/${runId}` : undefined,
  };
}

function readEvent(path: string | undefined): Record<string, unknown> {
  if (!path) return {};
  try {
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    // A missing or unreadable event file costs only what the payload would have added.
    return {};
  }
}

/** The branch name of a `refs/heads/…` ref; undefined for tags, pull requests and anything else. */
export function branchOf(ref: string | undefined): string | undefined {
  return ref?.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
}
