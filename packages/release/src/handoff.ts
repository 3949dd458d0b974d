// What await-release leaves for later steps of the job (slack-notify's default message), in one
// environment variable: no dependency on the SDKs, so readers load nothing heavy.

/** The environment variable await-release exports its outcome in (JSON). */
export const RELEASE_VARIABLE = 'SLIPWAY_RELEASE';

/** The outcome of a release as later steps see it. Never holds a secret. */
export interface ReleaseHandoff {
  status: 'live' | 'failed' | 'superseded' | 'timed-out';
  detail: string;
  durationMs: number;
  url: string;
  failedStage: string;
  /**
   * At most 10 lines of the failed build's log tail, from the first line that reads like an error
   * (CodeBuild's own bookkeeping lines left out).
   */
  log: string[];
}

const STATUSES = new Set(['live', 'failed', 'superseded', 'timed-out']);
const ERROR_LINE = /\b(error|fatal|failed|invalid|denied|forbidden|timed out)\b/i;

/** The handoff of an outcome: the log cut to the lines a chat message can show. */
export function toHandoff(outcome: Omit<ReleaseHandoff, 'log'> & { logTail: string[] }): ReleaseHandoff {
  const lines = outcome.logTail.filter((l) => l.trim() && !l.startsWith('[Container] '));
  // From the first line that reads like the error, so a chat message shows the cause, not the
  // diagnostics printed after it; the last lines when none does.
  const first = lines.findIndex((l) => ERROR_LINE.test(l));
  const log = first >= 0 ? lines.slice(first, first + 10) : lines.slice(-10);
  return {
    status: outcome.status,
    detail: outcome.detail,
    durationMs: outcome.durationMs,
    url: outcome.url,
    failedStage: outcome.failedStage,
    log,
  };
}

/** Reads the handoff from its variable's text; undefined when absent or not one. */
export function parseHandoff(text: string | undefined): ReleaseHandoff | undefined {
  if (!text?.trim()) return undefined;
  try {
    const value = JSON.parse(text) as Partial<ReleaseHandoff>;
    if (!value || typeof value !== 'object' || !STATUSES.has(String(value.status))) return undefined;
    return {
      status: value.status as ReleaseHandoff['status'],
      detail: typeof value.detail === 'string' ? value.detail : '',
      durationMs: typeof value.durationMs === 'number' ? value.durationMs : 0,
      url: typeof value.url === 'string' ? value.url : '',
      failedStage: typeof value.failedStage === 'string' ? value.failedStage : '',
      log: Array.isArray(value.log) ? value.log.filter((l): l is string => typeof l === 'string') : [],
    };
  } catch {
    return undefined;
  }
}
