import {
  ActionFailure,
  markdownTable,
  type ActionResult,
  type Logger,
  type RunContext,
} from '@slipway/action-kit';
import {
  RELEASE_VARIABLE,
  formatDuration,
  toHandoff,
  followArgoRelease,
  followPipelineRelease,
  followUrlRelease,
  type Clock,
  type ReleaseOutcome,
} from '@slipway/release';
import type { AwaitReleaseInputs } from './inputs.ts';

/** The outputs of await-release, as written to GITHUB_OUTPUT. */
export interface AwaitReleaseOutputs extends Record<string, string> {
  status: string;
  detail: string;
  url: string;
  /** Whole seconds. */
  duration: string;
  'failed-stage': string;
}

const ICON: Record<string, string> = { live: '✅', failed: '❌', superseded: '⏭️', 'timed-out': '⌛' };

/** The job summary: the outcome, its facts, the timeline and the log tail. */
export function releaseSummary(outcome: ReleaseOutcome, mode: string): string {
  const parts = [`### ${ICON[outcome.status] ?? ''} Release ${outcome.status}\n`];
  parts.push(
    markdownTable(
      ['', ''],
      [
        ['status', outcome.status],
        ['detail', outcome.detail],
        ['mode', mode],
        ...outcome.facts,
        ['took', formatDuration(outcome.durationMs)],
        ['link', outcome.url],
      ],
    ),
  );
  if (outcome.steps.length) {
    parts.push(
      markdownTable(
        ['stage › action', 'status', 'started (UTC)', 'took'],
        outcome.steps.map((s) => [s.name, s.status, s.started, s.took]),
      ),
    );
  }
  if (outcome.logTail.length) {
    const title =
      mode === 'codepipeline'
        ? `Last ${outcome.logTail.length} lines of the build log`
        : 'Resources that are not healthy';
    // A fence longer than any backtick run in the log, so a line cannot close it early.
    const longest = Math.max(
      2,
      ...outcome.logTail.map((l) => Math.max(0, ...[...l.matchAll(/`+/g)].map((m) => m[0].length))),
    );
    const fence = '`'.repeat(longest + 1);
    parts.push(
      `<details open><summary>${title}</summary>\n\n${fence}\n${outcome.logTail.join('\n')}\n${fence}\n</details>\n`,
    );
  }
  return parts.join('\n');
}

/**
 * Follows the release the inputs describe until its outcome is known. Throws ActionError for what
 * stops the wait itself (AccessDenied, an unknown pipeline or application); otherwise returns the
 * outcome, its outputs and the summary, whatever the status. Shared with the root action.
 */
export async function awaitRelease(
  inputs: AwaitReleaseInputs,
  log: Logger,
  clock?: Clock,
): Promise<{ outcome: ReleaseOutcome; outputs: AwaitReleaseOutputs; summary: string }> {
  const settings = {
    timeoutMs: inputs.timeoutMs,
    intervalMs: inputs.intervalMs,
    ...(clock ? { clock } : {}),
  };
  const outcome =
    inputs.mode === 'codepipeline'
      ? await followPipelineRelease(inputs.pipeline, settings, log)
      : inputs.mode === 'url'
        ? await followUrlRelease(inputs.endpoint, settings, log)
        : await followArgoRelease(inputs.argo, settings, log);
  const outputs: AwaitReleaseOutputs = {
    status: outcome.status,
    detail: outcome.detail,
    url: outcome.url,
    duration: String(Math.round(outcome.durationMs / 1000)),
    'failed-stage': outcome.failedStage,
  };
  return { outcome, outputs, summary: releaseSummary(outcome, inputs.mode) };
}

/**
 * The work of await-release: follows the release, and hands what became of it to the later steps
 * of the job (slack-notify's default message says it). A status listed in fail-on is an
 * ActionFailure carrying the outputs and the summary, which are written before the step fails.
 */
export async function runAwaitRelease(
  inputs: AwaitReleaseInputs,
  _context: RunContext,
  log: Logger,
): Promise<ActionResult & { outputs: AwaitReleaseOutputs; summary: string }> {
  const { outcome, outputs, summary } = await awaitRelease(inputs, log);
  const result = { outputs, summary, env: { [RELEASE_VARIABLE]: JSON.stringify(toHandoff(outcome)) } };
  const line = `release ${outcome.status} after ${formatDuration(outcome.durationMs)}: ${outcome.detail}`;
  if (inputs.failOn.includes(outcome.status)) throw new ActionFailure(line, result);
  if (outcome.status === 'live') log.info(`✅ ${line}`);
  else log.warning(`${line} (fail-on does not include ${outcome.status}, so the step succeeds)`);
  return result;
}
