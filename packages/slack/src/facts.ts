import type { ReleaseHandoff } from '@slipway/release/handoff';
import type { RunContext } from '@slipway/action-kit';
import { formatDuration } from './duration.ts';
import { type DeploymentStatus, statusStyle } from './status.ts';

/**
 * What a deployment message says about the run: action-kit's run context, plus what Slack
 * messages show from the event payload (the commit message, the pull request).
 */
export interface RunFacts {
  serverUrl: string;
  /** `owner/name`. */
  repository: string;
  /** Branch or tag name; the head branch for pull requests. */
  ref: string;
  /** The commit being deployed: the PR head for pull requests (GITHUB_SHA is the merge commit there). */
  sha: string;
  /** First line of the commit message, when the event carries it (push). */
  commitMessage: string;
  actor: string;
  workflow: string;
  job: string;
  event: string;
  runId: string;
  runNumber: string;
  runAttempt: string;
  pullRequest?: { number: number; url: string; title: string };
}

interface EventPayload {
  head_commit?: { id?: string; message?: string } | null;
  pull_request?: {
    number?: number;
    html_url?: string;
    title?: string;
    head?: { sha?: string; ref?: string };
  };
}

/** The facts of a run, from its context and event payload. */
export function runFacts(context: RunContext): RunFacts {
  const event = context.payload as EventPayload;
  const pr = event.pull_request;
  const sha = context.headSha;
  const headCommit = event.head_commit;
  const commitMessage =
    headCommit?.message && (!headCommit.id || headCommit.id === sha) ? headCommit.message : '';
  return {
    serverUrl: context.serverUrl,
    repository: context.repository,
    ref: pr?.head?.ref || context.branch || '',
    sha,
    commitMessage: firstLine(commitMessage),
    actor: context.actor,
    workflow: context.workflow,
    job: context.job,
    event: context.eventName,
    runId: context.runId,
    runNumber: context.runNumber,
    runAttempt: context.runAttempt,
    pullRequest:
      pr?.number !== undefined && pr.html_url
        ? { number: pr.number, url: pr.html_url, title: pr.title ?? '' }
        : undefined,
  };
}

/** The first non-empty line of a text, trimmed. */
export function firstLine(text: string): string {
  return (
    text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .find(Boolean) ?? ''
  );
}

/** Everything a deployment message says: the run, the status and what the workflow added. */
export interface DeploymentFacts {
  run: RunFacts;
  status: DeploymentStatus;
  /** The message title (templates already expanded, not escaped). */
  title: string;
  /** Extra facts from the `fields` input, in the order given (not escaped). */
  fields: [string, string][];
  startedAt?: Date;
  /** When the message is built; the end of the duration. */
  now: Date;
  /** What an earlier await-release step of the job found out about the release, if one ran. */
  release?: ReleaseHandoff;
}

/** Links into GitHub derived from the run context (empty when the context lacks what they need). */
export function runLinks(run: RunFacts): {
  repository: string;
  ref: string;
  commit: string;
  run: string;
} {
  const repo = run.repository ? `${run.serverUrl}/${run.repository}` : '';
  const attempt = Number(run.runAttempt) > 1 ? `/attempts/${run.runAttempt}` : '';
  return {
    repository: repo,
    ref: run.pullRequest?.url ?? (repo && run.ref ? `${repo}/tree/${encodeURI(run.ref)}` : ''),
    commit: repo && run.sha ? `${repo}/commit/${run.sha}` : '',
    run: repo && run.runId ? `${repo}/actions/runs/${run.runId}${attempt}` : '',
  };
}

/** The duration from `startedAt` to `now`, formatted; empty when the start is unknown. */
export function durationOf(facts: Pick<DeploymentFacts, 'startedAt' | 'now'>): string {
  return facts.startedAt ? formatDuration(facts.now.getTime() - facts.startedAt.getTime()) : '';
}

/**
 * The values `{{ name }}` placeholders can use: the same facts the default message shows, raw
 * (escaping depends on where a placeholder stands). `fields.<key>` holds each `fields` entry.
 */
export function templateValues(
  facts: Omit<DeploymentFacts, 'title'> & { title?: string },
): Record<string, string> {
  const { run } = facts;
  const style = statusStyle(facts.status);
  const links = runLinks(run);
  const values: Record<string, string> = {
    status: facts.status,
    status_text: style.text,
    emoji: style.emoji,
    color: style.color,
    title: facts.title ?? '',
    repository: run.repository,
    repository_url: links.repository,
    ref: run.ref,
    ref_url: links.ref,
    sha: run.sha,
    short_sha: run.sha.slice(0, 7),
    commit_url: links.commit,
    commit_message: run.commitMessage,
    actor: run.actor,
    workflow: run.workflow,
    job: run.job,
    event: run.event,
    run_id: run.runId,
    run_number: run.runNumber,
    run_attempt: run.runAttempt,
    run_url: links.run,
    server_url: run.serverUrl,
    pull_request_number: run.pullRequest ? String(run.pullRequest.number) : '',
    pull_request_url: run.pullRequest?.url ?? '',
    pull_request_title: run.pullRequest?.title ?? '',
    started_at: facts.startedAt?.toISOString() ?? '',
    duration: durationOf(facts),
    release_status: facts.release?.status ?? '',
    release_detail: facts.release?.detail ?? '',
    release_url: facts.release?.url ?? '',
    release_duration: facts.release ? formatDuration(facts.release.durationMs) : '',
    release_failed_stage: facts.release?.failedStage ?? '',
  };
  for (const [key, value] of facts.fields) values[`fields.${key}`] = value;
  return values;
}
