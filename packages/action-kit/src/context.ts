/**
 * What a run is about, read one way for every Slipway action: `github.context` of
 * `@actions/github` (the runner's `GITHUB_*` variables and the event payload), plus the few
 * variables it leaves out (the pull request's head branch, the ref's short name, the triggering
 * actor). Actions receive it as the `context` argument of their work function; nothing else
 * reads `GITHUB_*` run variables or `GITHUB_EVENT_PATH` (test/unit/action-kit/context-readers.test.ts
 * checks it).
 *
 * Only `github.context` is used here: the build gives this import `@actions/github`'s
 * `lib/context.js` alone, so the start path does not load octokit (scripts/lib/bundle.ts).
 */
import { context } from '@actions/github';

/** `@actions/github`'s `Context` class, which the package exports only as `context`'s type. */
type Context = typeof context;
const Context = context.constructor as new () => Context;

export interface RunContext {
  /** `https://github.com`, or the GitHub Enterprise Server's URL; no trailing slash. */
  serverUrl: string;
  /** The REST API's URL (`GITHUB_API_URL`); no trailing slash. */
  apiUrl: string;
  /** The GraphQL API's URL (`GITHUB_GRAPHQL_URL`); no trailing slash. */
  graphqlUrl: string;
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
  /** The event payload (`GITHUB_EVENT_PATH`), `{}` when there is none or it cannot be read. */
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

/** The run context of this process: `github.context`, read once. */
export function runContext(): RunContext {
  cached ??= fromContext(context, process.env);
  return cached;
}

/**
 * Reads a run context from an environment: `runContext()` gives `process.env`, tests give their
 * own. `Context` reads `process.env` in its constructor, so the given environment stands in for
 * it during that synchronous call and is put back at once.
 */
export function readRunContext(env: NodeJS.ProcessEnv): RunContext {
  const saved = process.env;
  process.env = env;
  try {
    return fromContext(toolkitContext(env), env);
  } finally {
    process.env = saved;
  }
}

/** `new Context()`; an event file that is not JSON costs only the payload, as a missing one does. */
function toolkitContext(env: NodeJS.ProcessEnv): Context {
  try {
    return new Context();
  } catch {
    process.env = { ...env, GITHUB_EVENT_PATH: undefined };
    return new Context();
  }
}

function fromContext(ctx: Context, env: NodeJS.ProcessEnv): RunContext {
  const payload: Record<string, unknown> =
    ctx.payload && typeof ctx.payload === 'object' && !Array.isArray(ctx.payload) ? ctx.payload : {};
  const pr = payload.pull_request as { head?: { sha?: string; ref?: string } } | undefined;
  const repo = payload.repository as { default_branch?: string } | undefined;
  const url = (value: string | undefined, fallback: string) => (value || fallback).replace(/\/+$/, '');
  const serverUrl = url(ctx.serverUrl, 'https://github.com');
  const repository = repositoryOf(ctx);
  const sha = ctx.sha ?? '';
  const ref = ctx.ref ?? '';
  const runId = numberText(ctx.runId);
  return {
    serverUrl,
    apiUrl: url(ctx.apiUrl, 'https://api.github.com'),
    graphqlUrl: url(ctx.graphqlUrl, 'https://api.github.com/graphql'),
    repository,
    sha,
    headSha: pr?.head?.sha || sha,
    ref,
    branch:
      env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME || ref.replace(/^refs\/(heads|tags)\//, '') || undefined,
    defaultBranch: repo?.default_branch || undefined,
    eventName: ctx.eventName ?? '',
    payload,
    actor: env.GITHUB_TRIGGERING_ACTOR || ctx.actor || '',
    workflow: ctx.workflow ?? '',
    job: ctx.job ?? '',
    runId,
    runNumber: numberText(ctx.runNumber),
    runAttempt: numberText(ctx.runAttempt) || '1',
    runUrl: repository && runId ? `${serverUrl}/${repository}/actions/runs/${runId}` : undefined,
  };
}

/** `owner/name`: `context.repo` (GITHUB_REPOSITORY, else the payload's repository), or empty. */
function repositoryOf(ctx: Context): string {
  try {
    const { owner, repo } = ctx.repo;
    return owner && repo ? `${owner}/${repo}` : '';
  } catch {
    return '';
  }
}

/** Context parses run numbers; an absent one is NaN, which reads as empty. */
function numberText(n: number): string {
  return Number.isFinite(n) ? String(n) : '';
}

/** The branch name of a `refs/heads/…` ref; undefined for tags, pull requests and anything else. */
export function branchOf(ref: string | undefined): string | undefined {
  return ref?.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
}
