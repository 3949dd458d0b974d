import { type Logger, isTransientNetworkError, withRetry } from '@slipway/action-kit';
import { explainTlsError } from '@slipway/net/tls';
import { SlackDeliveryError } from './errors.ts';

/** How hard to try: extra attempts and a total time budget that includes every wait. */
export interface RetryPolicy {
  /** Attempts after the first one, for 429, 5xx and dropped connections. */
  retries: number;
  /** The most time delivery may take, waits included; a Retry-After beyond it is not waited out. */
  timeoutMs: number;
  /** First back-off delay, doubled each time with jitter (default 1 s). */
  baseDelayMs?: number;
  /** Longest back-off delay (default 10 s). */
  maxDelayMs?: number;
}

/** The longest a single request may take before it counts as failed (and may be retried). */
export const REQUEST_TIMEOUT_MS = 20_000;

/** How one attempt failed, which decides whether another is worth it. */
export type AttemptFailure = 'rate-limited' | 'transient' | 'refused';

/** A failed attempt: `rate-limited` and `transient` are retried, `refused` is final. */
export class AttemptError extends Error {
  override readonly name = 'AttemptError';
  constructor(
    message: string,
    readonly kind: AttemptFailure,
    readonly details: { retryAfterMs?: number; code?: string; status?: number } = {},
  ) {
    super(message);
  }
}

/**
 * Reads Retry-After: seconds, or an HTTP date (RFC 9110 §10.2.3). Slack sends seconds.
 * Undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/**
 * Describes a failed request that got no HTTP answer, and whether trying again may help. A refused
 * TLS certificate of `host` is final and says how to trust a private CA.
 */
export function networkFailure(err: unknown, timeoutMs: number, host?: string): AttemptError {
  const e = err as {
    name?: string;
    message?: string;
    cause?: { code?: string; message?: string; name?: string };
  };
  if (e?.name === 'TimeoutError' || e?.cause?.name === 'TimeoutError') {
    return new AttemptError(`no answer from Slack within ${seconds(timeoutMs)}`, 'transient');
  }
  const code = e?.cause?.code ?? (err as { code?: string })?.code;
  const tls = host ? explainTlsError(err, host) : undefined;
  if (tls) return new AttemptError(`could not reach Slack: ${tls}`, 'refused', { code });
  const reason = code ?? e?.cause?.message ?? e?.message ?? String(err);
  // A refused connection is what a restarting proxy or load balancer looks like: worth a retry.
  const transient = isTransientNetworkError(err) || code === 'ECONNREFUSED';
  return new AttemptError(`could not reach Slack (${reason})`, transient ? 'transient' : 'refused', { code });
}

/**
 * Runs `attempt` under the policy: 429 waits exactly Retry-After (and gives up at once when that is
 * longer than the time left), 5xx and dropped connections back off exponentially with jitter, a
 * refusal ends at once. Failures become a SlackDeliveryError saying what happened on which try.
 * Errors that are not AttemptErrors (bugs) pass through unchanged.
 */
export async function withSlackRetry<T>(
  what: string,
  attempt: (timeoutMs: number) => Promise<T>,
  policy: RetryPolicy,
  log: Logger,
): Promise<{ result: T; attempts: number }> {
  const started = Date.now();
  const deadline = started + policy.timeoutMs;
  const base = policy.baseDelayMs ?? 1000;
  const max = policy.maxDelayMs ?? 10_000;
  const attempts = policy.retries + 1;
  let made = 0;
  let gaveUp = '';
  try {
    const result = await withRetry(
      (n) => {
        made = n;
        const left = deadline - Date.now();
        return attempt(Math.max(1000, Math.min(left, REQUEST_TIMEOUT_MS)));
      },
      {
        attempts,
        log,
        what,
        // The delay is chosen here rather than in withRetry, so it can be held against the deadline.
        retryable(err) {
          if (!(err instanceof AttemptError) || err.kind === 'refused') return false;
          if (made >= attempts) {
            gaveUp = attempts > 1 ? `gave up after ${attempts} attempts` : 'retries are off (retries: 0)';
            return false;
          }
          const left = deadline - Date.now();
          const asked = err.kind === 'rate-limited' ? err.details.retryAfterMs : undefined;
          const delay =
            asked ?? Math.round(Math.min(max, base * 2 ** (made - 1)) * (0.75 + Math.random() * 0.5));
          if (delay >= left) {
            gaveUp =
              asked !== undefined
                ? `Slack asked to wait ${seconds(asked)} (Retry-After), more than the ${seconds(Math.max(0, left))} left of the ${seconds(policy.timeoutMs)} timeout, so it was not retried`
                : `gave up after ${made} attempt${made > 1 ? 's' : ''}: the ${seconds(policy.timeoutMs)} timeout leaves no time for another`;
            return false;
          }
          return { afterMs: delay };
        },
      },
    );
    return { result, attempts: made };
  } catch (err) {
    if (!(err instanceof AttemptError)) throw err;
    const tries = made > 1 && !gaveUp ? ` (attempt ${made})` : '';
    throw new SlackDeliveryError(
      `${what} failed: ${err.message}${tries}${gaveUp ? `; ${gaveUp}` : ''}`,
      err.details.code,
    );
  }
}
