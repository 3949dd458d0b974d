import { mkdirSync } from 'node:fs';
import { ComponentStartError, ManagedProcess, freePort } from '../process.ts';
import { currentLogDir, uniqueLogFile } from '../run-dir.ts';
import { probeStatus, type ServerTls } from '../tls.ts';

/** Options for {@link startMoto}. */
export interface StartMotoOptions {
  /**
   * Serve the first N requests without authentication, then check every request's signature and
   * authorise it against the caller's IAM policies (moto's INITIAL_NO_AUTH_ACTION_COUNT). Use the
   * N requests to create buckets, IAM users, policies and access keys — see createRestrictedUser().
   */
  initialNoAuthActionCount?: number;
  /** Directory for the log file; defaults to the current run's log dir. */
  logDir?: string;
  /** Serve HTTPS with this certificate (moto's `--ssl-cert/--ssl-key`); the url is then https. */
  tls?: ServerTls;
}

/** A running moto_server. */
export interface MotoServer {
  /** `http://127.0.0.1:PORT` (https with `tls`; no trailing slash); credentials testing/testing, us-east-1. */
  url: string;
  /** Log file of this server. */
  logFile: string;
  stop(): Promise<void>;
}

/**
 * Starts `moto_server -H 127.0.0.1 -p PORT` on a free port and waits until it answers.
 * The default test bed starts one; call this again for a private moto, e.g. one that enforces IAM.
 */
export async function startMoto(opts: StartMotoOptions = {}): Promise<MotoServer> {
  const logDir = opts.logDir ?? currentLogDir();
  mkdirSync(logDir, { recursive: true });
  const enforcing = opts.initialNoAuthActionCount !== undefined;
  const logFile = uniqueLogFile(logDir, enforcing ? 'moto-auth' : 'moto');
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONUNBUFFERED: '1' };
  if (enforcing) env.INITIAL_NO_AUTH_ACTION_COUNT = String(opts.initialNoAuthActionCount);
  // Another process may grab the port between freePort() and moto's bind: retry on a new one.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
    const tlsArgs = opts.tls ? ['--ssl', '--ssl-cert', opts.tls.certFile, '--ssl-key', opts.tls.keyFile] : [];
    const proc = ManagedProcess.start({
      component: 'moto',
      command: 'moto_server',
      args: ['-H', '127.0.0.1', '-p', String(port), ...tlsArgs],
      logFile,
      env,
    });
    try {
      // /moto-api/ does not count as an AWS action, unlike GET / (S3 ListBuckets).
      await proc.waitUntilReady(
        async () => (await probeStatus(`${url}/moto-api/`, opts.tls)) === 200,
        60_000,
        `moto answered on ${url}`,
      );
      if (enforcing) {
        // Resets moto's request counter so exactly N unauthenticated requests remain.
        const res = await fetch(`${url}/moto-api/reset-auth`, {
          method: 'POST',
          // Flask only exposes a raw body when it is not form-encoded.
          headers: { 'content-type': 'text/plain' },
          body: String(opts.initialNoAuthActionCount),
        });
        if (!res.ok) throw proc.startError(`POST /moto-api/reset-auth answered ${res.status}`);
      }
      return { url, logFile, stop: () => proc.stop() };
    } catch (err) {
      await proc.stop(2000);
      if (attempt < 3 && /address already in use/i.test(proc.tail(10))) continue;
      if (err instanceof ComponentStartError) throw err;
      throw proc.startError(err instanceof Error ? err.message : String(err));
    }
  }
}
