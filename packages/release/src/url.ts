import { ActionError, type Logger } from '@slipway/action-kit';
import { explainTlsError } from '@slipway/net/tls';
import { Deadline, formatDuration, realClock, type ReleaseOutcome, type WaitSettings } from './outcome.ts';

/** Where the endpoint's answer holds the version. */
export type VersionLocation =
  { kind: 'json'; pointer: string } | { kind: 'header'; name: string } | { kind: 'regex'; pattern: RegExp };

/** An HTTP(S) endpoint that reports the version it runs. */
export interface UrlRelease {
  url: string;
  /** The version that means "live". */
  expect: string;
  versionAt: VersionLocation;
  /** Answers in a row that must report the version. */
  consecutive: number;
}

/** `json:/version`, `header:X-Version` or `regex:…`, as the version-at input spells it. */
export function describeLocation(at: VersionLocation): string {
  if (at.kind === 'json') return `JSON field ${at.pointer || '(the whole body)'}`;
  if (at.kind === 'header') return `header ${at.name}`;
  return `regular expression ${at.pattern.source}`;
}

/**
 * Reads an RFC 6901 JSON pointer (`/build/version`, `~1` for `/`, `~0` for `~`); undefined when a
 * step is missing. https://www.rfc-editor.org/rfc/rfc6901
 */
export function readJsonPointer(doc: unknown, pointer: string): unknown {
  if (pointer === '') return doc;
  let node: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node) && /^\d+$/.test(key)) node = node[Number(key)];
    else if (node && typeof node === 'object' && Object.hasOwn(node, key))
      node = (node as Record<string, unknown>)[key];
    else return undefined;
  }
  return node;
}

/** What one poll saw. */
interface Observation {
  /** `HTTP 200`, `connection refused` … */
  state: string;
  ok: boolean;
  version?: string;
  /** Why no version could be read from a 2xx answer. */
  problem?: string;
}

function networkReason(err: unknown): string {
  for (
    let e = err as { code?: string; cause?: unknown; name?: string; message?: string } | undefined, i = 0;
    e && i < 5;
    i++
  ) {
    if (e.code === 'ECONNREFUSED') return 'connection refused';
    if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return 'host not found';
    if (e.code === 'ECONNRESET') return 'connection reset';
    if (e.name === 'TimeoutError') return 'no answer in time';
    if (e.code && /^(ERR_TLS|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED)/.test(e.code))
      return `TLS error (${e.code})`;
    if (!e.cause) return e.message ?? String(e);
    e = e.cause as typeof e;
  }
  return String(err);
}

function readVersion(
  at: VersionLocation,
  res: Response,
  body: string,
): { version?: string; problem?: string } {
  if (at.kind === 'header') {
    const value = res.headers.get(at.name);
    return value === null ? { problem: `no ${at.name} header` } : { version: value.trim() };
  }
  if (at.kind === 'regex') {
    const m = at.pattern.exec(body);
    if (!m) return { problem: `the body does not match ${at.pattern.source}` };
    return { version: (m[1] ?? m[0]).trim() };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return { problem: 'the body is not JSON' };
  }
  const value = readJsonPointer(doc, at.pointer);
  if (value === undefined || value === null) return { problem: `no ${at.pointer} in the JSON body` };
  return { version: typeof value === 'string' ? value : JSON.stringify(value) };
}

async function observe(release: UrlRelease, timeoutMs: number): Promise<Observation> {
  let res: Response;
  let body: string;
  try {
    // Loaded here, not at start: the proxy agents are only needed once polling begins.
    const { proxyFetch } = await import('@slipway/net');
    res = await proxyFetch(release.url, {
      headers: { accept: 'application/json, text/plain;q=0.9, */*;q=0.5', 'cache-control': 'no-cache' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    body = await res.text();
  } catch (err) {
    // A certificate the runner does not trust stays untrusted however long the wait: the fix is
    // the runner's trust (NODE_EXTRA_CA_CERTS), so stop at once instead of polling until timeout.
    const tls = explainTlsError(err, new URL(release.url).host);
    if (tls) throw new ActionError(`cannot read the version from ${release.url}: ${tls}`);
    return { state: networkReason(err), ok: false };
  }
  const state = `HTTP ${res.status}`;
  if (!res.ok) return { state, ok: false };
  return { state, ok: true, ...readVersion(release.versionAt, res, body) };
}

function describe(o: Observation): string {
  if (o.version !== undefined) return `${o.state}, version ${o.version}`;
  return o.problem ? `${o.state}, ${o.problem}` : o.state;
}

/**
 * Polls an HTTP(S) endpoint until it reports the expected version `consecutive` times in a row.
 * Prints a line only when what it sees changes (status, version, error), not on every poll.
 */
export async function followUrlRelease(
  release: UrlRelease,
  settings: WaitSettings,
  log: Logger,
): Promise<ReleaseOutcome & { requests: number }> {
  const clock = settings.clock ?? realClock;
  const deadline = new Deadline(clock, settings.timeoutMs);
  const requestTimeout = Math.max(1000, Math.min(30_000, settings.intervalMs * 3));
  log.info(
    `Waiting for ${release.url} to report version ${release.expect} (${describeLocation(release.versionAt)})${release.consecutive > 1 ? `, ${release.consecutive} times in a row` : ''}`,
  );
  let last = '';
  let inARow = 0;
  let requests = 0;
  const facts: [string, string][] = [
    ['endpoint', release.url],
    ['expected version', release.expect],
  ];
  for (;;) {
    requests++;
    const seen = await observe(release, Math.min(requestTimeout, Math.max(1000, deadline.end - clock.now())));
    const text = describe(seen);
    if (text !== last) {
      log.info(`${formatDuration(deadline.elapsed())}: ${text}`);
      last = text;
    }
    inARow = seen.ok && seen.version === release.expect ? inARow + 1 : 0;
    const result = (o: Pick<ReleaseOutcome, 'status' | 'detail'>) => ({
      ...o,
      url: release.url,
      durationMs: deadline.elapsed(),
      failedStage: '',
      logTail: [],
      facts: [
        ...facts,
        ['last answer', text] as [string, string],
        ['polls', String(requests)] as [string, string],
      ],
      steps: [],
      requests,
    });
    if (inARow >= release.consecutive) {
      return result({
        status: 'live',
        detail: `${release.url} reports version ${release.expect}${release.consecutive > 1 ? ` (${release.consecutive} times in a row)` : ''}`,
      });
    }
    if (deadline.passed()) {
      return result({
        status: 'timed-out',
        detail: `${release.url} did not report version ${release.expect} within ${formatDuration(settings.timeoutMs)}; last answer: ${text}`,
      });
    }
    await deadline.wait(settings.intervalMs);
  }
}
