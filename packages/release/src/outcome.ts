/** How a release ended: live, failed, overtaken by a newer release, or still not done at the timeout. */
export type ReleaseStatus = 'live' | 'failed' | 'superseded' | 'timed-out';

/** Every status, in the order the docs list them. */
export const RELEASE_STATUSES: readonly ReleaseStatus[] = ['live', 'failed', 'superseded', 'timed-out'];

/** What following a release found out. */
export interface ReleaseOutcome {
  status: ReleaseStatus;
  /** One sentence for people: what happened, naming the stage, version or resource concerned. */
  detail: string;
  /** Where to look: the pipeline execution in the console, the Argo CD application, the endpoint. */
  url: string;
  /** From the start of the wait until the outcome was known. */
  durationMs: number;
  /** The stage that failed (CodePipeline), the resource that is not healthy (Argo CD); else empty. */
  failedStage: string;
  /** The last lines of the failed build's log, oldest first; empty when there is none. */
  logTail: string[];
  /** Facts for the job summary table, in order (name, value). */
  facts: [string, string][];
  /** Per-step timeline for the job summary (stage/action, status, start, took). */
  steps: { name: string; status: string; started: string; took: string }[];
}

/** Time as the waits see it; tests and the bench pass a sped-up clock. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** The wall clock. */
export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** A duration for people, in the one style every Slipway action prints. */
export { formatDuration } from '@slipway/action-kit';

/** `HH:MM:SS` UTC, the way the job log shows times. */
export function clockTime(date: Date | number | undefined): string {
  if (date === undefined) return '';
  const d = typeof date === 'number' ? new Date(date) : date;
  return Number.isNaN(d.getTime()) ? '' : d.toISOString().slice(11, 19);
}

/** Common wait settings of every mode. */
export interface WaitSettings {
  timeoutMs: number;
  intervalMs: number;
  clock?: Clock;
}

/**
 * The deadline arithmetic every mode shares: is there room for another poll, and how long to sleep
 * so the last poll lands on the deadline rather than after it.
 */
export class Deadline {
  readonly start: number;
  readonly end: number;
  constructor(
    private readonly clock: Clock,
    readonly timeoutMs: number,
  ) {
    this.start = clock.now();
    this.end = this.start + timeoutMs;
  }

  elapsed(): number {
    return this.clock.now() - this.start;
  }

  passed(): boolean {
    return this.clock.now() >= this.end;
  }

  /** Sleeps one interval, or until the deadline when that comes first. */
  async wait(intervalMs: number): Promise<void> {
    const left = this.end - this.clock.now();
    if (left > 0) await this.clock.sleep(Math.min(intervalMs, left));
  }
}
