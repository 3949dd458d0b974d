import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ComponentStartError, ManagedProcess, freePort } from '../process.ts';
import { uniqueLogFile } from '../run-dir.ts';

/** Options for {@link startProxy}. */
export interface StartProxyOptions {
  /** Where the config goes (removed by the caller). */
  stateDir: string;
  logDir: string;
  /** Require Basic auth with this user and password (tinyproxy's BasicAuth). */
  auth?: { user: string; password: string };
}

/** A running tinyproxy forward proxy on 127.0.0.1. */
export interface ProxyServer {
  /** `http://127.0.0.1:PORT`, with the credentials when auth is on. */
  url: string;
  /** The same URL without credentials. */
  address: string;
  /**
   * What went through it so far, one entry per request: `CONNECT host:port` for tunnels,
   * `GET http://host:port/path` for forwarded plain HTTP.
   */
  requests(): string[];
  stop(): Promise<void>;
}

/**
 * Starts Debian's tinyproxy in the foreground with `LogLevel Connect`, which logs every request
 * line it forwards; tests read the log to prove a client used the proxy (or bypassed it).
 */
export async function startProxy(opts: StartProxyOptions): Promise<ProxyServer> {
  const logFile = uniqueLogFile(opts.logDir, 'tinyproxy');
  const accessLog = `${logFile}.access`;
  writeFileSync(accessLog, '');
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const config = join(opts.stateDir, `tinyproxy-${port}.conf`);
    writeFileSync(
      config,
      [
        `Port ${port}`,
        'Listen 127.0.0.1',
        'Timeout 120',
        `LogFile "${accessLog}"`,
        'LogLevel Connect',
        'MaxClients 100',
        'DisableViaHeader Yes',
        ...(opts.auth ? [`BasicAuth ${opts.auth.user} ${opts.auth.password}`] : []),
        '',
      ].join('\n'),
    );
    const proc = ManagedProcess.start({
      component: 'tinyproxy',
      command: 'tinyproxy',
      args: ['-d', '-c', config],
      logFile,
    });
    const address = `http://127.0.0.1:${port}`;
    try {
      await proc.waitUntilReady(
        () =>
          new Promise<boolean>((done) => {
            const socket = connect(port, '127.0.0.1', () => {
              socket.end();
              done(true);
            });
            socket.on('error', () => done(false));
          }),
        15_000,
        `127.0.0.1:${port} accepted connections`,
      );
    } catch (err) {
      await proc.stop(2000);
      if (attempt < 3 && /address already in use/i.test(proc.tail(10))) continue;
      if (err instanceof ComponentStartError) throw err;
      throw proc.startError(err instanceof Error ? err.message : String(err));
    }
    const credentials = opts.auth
      ? `${encodeURIComponent(opts.auth.user)}:${encodeURIComponent(opts.auth.password)}@`
      : '';
    return {
      url: `http://${credentials}127.0.0.1:${port}`,
      address,
      requests: () =>
        readFileSync(accessLog, 'utf8')
          .split('\n')
          .map((line) => /\]: Request \(file descriptor \d+\): (\S+) (\S+)/.exec(line))
          .filter((m): m is RegExpExecArray => m !== null)
          .map((m) => `${m[1]} ${m[2]}`),
      stop: () => proc.stop(),
    };
  }
}
