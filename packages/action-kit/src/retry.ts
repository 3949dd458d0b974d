import type { Logger } from './logger.ts';

/** Options of {@link withRetry}. */
export interface RetryOptions {
  /** Total attempts, the first included (default 4). */
  attempts?: number;
  /** First back-off delay; doubled each time with ±25% jitter (default 500 ms). */
  baseDelayMs?: number;
  /** Upper bound of one delay (default 10 s). */
  maxDelayMs?: number;
  /** Whether an error is transient; `{ afterMs }` when the server said how long to wait. */
  retryable: (err: unknown) => boolean | { afterMs: number };
  log?: Logger;
  /** What is being tried, for the retry log line ("upload of layer sha256:…"). */
  what?: string;
  /** Waits between attempts (default: a timer); tests pass a fake to see the delays asked for. */
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Error codes of a connection that broke or timed out — worth another try. */
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EAI_AGAIN',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** True for a dropped or timed-out connection (also when wrapped as `cause`). */
export function isTransientNetworkError(err: unknown): boolean {
  for (
    let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 5;
    depth++
  ) {
    if (typeof e.code === 'string' && TRANSIENT_CODES.has(e.code)) return true;
    if (typeof e.message === 'string' && /socket hang up|other side closed|ECONNRESET/i.test(e.message))
      return true;
    e = e.cause as typeof e;
  }
  return false;
}

/**
 * Runs `fn` until it succeeds, an error is not retryable, or the attempts are spent; then the last
 * error is thrown unchanged. Bounded exponential back-off, as AWS and Slack ask of clients.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const attempts = opts.attempts ?? 4;
  const base = opts.baseDelayMs ?? 500;
  const max = opts.maxDelayMs ?? 10_000;
  const sleep = opts.sleep ?? realSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      const verdict = opts.retryable(err);
      if (!verdict || attempt >= attempts) throw err;
      const backoff = Math.min(max, base * 2 ** (attempt - 1)) * (0.75 + Math.random() * 0.5);
      const delay = typeof verdict === 'object' ? verdict.afterMs : Math.round(backoff);
      opts.log?.info(
        `${opts.what ?? 'request'} failed (${(err as Error).message}); retrying in ${(delay / 1000).toFixed(1)} s (attempt ${attempt + 1} of ${attempts})`,
      );
      await sleep(delay);
    }
  }
}
