import { readRunContext } from '@slipway/action-kit';

/** Which cache service the runner offers, decided the way `@actions/cache` decides it. */
export interface CacheService {
  available: boolean;
  protocol: 'v1' | 'v2';
  /** The variable that is missing when there is no service. */
  missing?: string;
}

/**
 * Mirrors `@actions/cache`'s own choice (internal/config.ts) without loading the library: v2
 * (github.com) when ACTIONS_CACHE_SERVICE_V2 is set and the server is github.com, *.ghe.com or
 * *.localhost; otherwise v1 (GHES, act). Self-hosted set-ups and plain `node` runs have neither URL.
 */
export function detectCacheService(
  env: NodeJS.ProcessEnv,
  serverUrl: string = readRunContext(env).serverUrl,
): CacheService {
  let host: string;
  try {
    host = new URL(serverUrl).hostname.toLowerCase();
  } catch {
    // An unparsable server URL is not github.com: the library treats it as GHES too.
    host = '';
  }
  const ghes = !(host === 'github.com' || host.endsWith('.ghe.com') || host.endsWith('.localhost'));
  if (!ghes && env.ACTIONS_CACHE_SERVICE_V2) {
    return env.ACTIONS_RESULTS_URL
      ? { available: true, protocol: 'v2' }
      : { available: false, protocol: 'v2', missing: 'ACTIONS_RESULTS_URL' };
  }
  return env.ACTIONS_CACHE_URL || env.ACTIONS_RESULTS_URL
    ? { available: true, protocol: 'v1' }
    : { available: false, protocol: 'v1', missing: 'ACTIONS_CACHE_URL' };
}

/**
 * Why the cache service cannot be used over TLS (its certificate is not trusted, with the fix:
 * NODE_EXTRA_CA_CERTS), or undefined when it can or is not https. Asked only after a failure:
 * `@actions/cache` passes on just the text of a refused certificate, and for the v2 service only as
 * "Unable to reserve cache … another job may be creating this cache" after five attempts, so one
 * request of our own to the service tells what really went wrong, naming the host.
 */
export async function untrustedCacheService(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const service = detectCacheService(env);
  const raw =
    service.protocol === 'v2' ? env.ACTIONS_RESULTS_URL : env.ACTIONS_CACHE_URL || env.ACTIONS_RESULTS_URL;
  let url: URL;
  try {
    url = new URL(raw ?? '');
  } catch {
    return undefined;
  }
  if (!service.available || url.protocol !== 'https:') return undefined;
  const { ProxyAwareAgent, sendRequest, discardBody } = await import('@slipway/net');
  const { explainTlsError } = await import('@slipway/net/tls');
  const agent = new ProxyAwareAgent({ keepAlive: false, env });
  try {
    await discardBody(await sendRequest({ method: 'GET', url, idleTimeoutMs: 10_000 }, agent));
    return undefined;
  } catch (err) {
    const tls = explainTlsError(err, url.host);
    return tls ? `the cache service cannot be used: ${tls}` : undefined;
  } finally {
    agent.destroy();
  }
}

/** What the library printed that the action uses. */
export interface LibraryOutput<T> {
  result: T;
  /** Archive size the library reported (restore: "Cache Size", save: its debug "File Size"). */
  archiveBytes?: number;
  /** Warnings and errors the library printed (already passed on as warnings). */
  problems: string[];
}

/**
 * Runs an `@actions/cache` call and watches what @actions/core prints meanwhile (plain
 * `process.stdout.write`; the call runs alone, so only the library's lines pass here):
 * - the archive size, which the library reports only in its log;
 * - `::error::` lines, rewritten to `::warning::`: the library reports a cache server's 5xx as an
 *   error annotation, but a cache is optional and the job goes on, so it is a warning here.
 */
export async function watchLibrary<T>(call: () => Promise<T>): Promise<LibraryOutput<T>> {
  const stdout = process.stdout;
  const previous = stdout.write;
  const original = previous.bind(stdout);
  let pending = '';
  const out: Omit<LibraryOutput<T>, 'result'> = { problems: [] };
  const handleLine = (line: string): string => {
    const size = /Cache Size: ~\d+ MB \((\d+) B\)/.exec(line) ?? /^::debug::File Size: (\d+)/.exec(line);
    if (size) out.archiveBytes = Number(size[1]);
    if (line.startsWith('::error::')) line = `::warning::${line.slice('::error::'.length)}`;
    if (line.startsWith('::warning')) out.problems.push(line.replace(/^::warning[^:]*::/, ''));
    return line;
  };
  stdout.write = ((chunk: string | Uint8Array, encoding?: unknown, callback?: unknown): boolean => {
    pending += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    const text = lines.map((l) => handleLine(l) + '\n').join('');
    const done = typeof encoding === 'function' ? encoding : callback;
    return original(text, typeof done === 'function' ? (done as () => void) : undefined);
  }) as typeof stdout.write;
  try {
    const result = await call();
    return { result, ...out };
  } finally {
    stdout.write = previous;
    if (pending) original(handleLine(pending));
  }
}
