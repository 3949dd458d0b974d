import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ComponentStartError, ManagedProcess, freePort } from '../process.ts';
import { findExecutable } from '../paths.ts';
import { uniqueLogFile } from '../run-dir.ts';
import { probeStatus, type ServerTls } from '../tls.ts';

/** Options for {@link startRegistry}. */
export interface StartRegistryOptions {
  /** Where storage, config and htpasswd go (removed by the caller). */
  stateDir: string;
  logDir: string;
  /** The password of user `AWS` (the ECR token's password). */
  password: string;
  /** Port to use first (e.g. one dockerd was already told about); a free one otherwise. */
  port?: number;
  /** Serve HTTPS with this certificate (`http.tls.certificate/key`); the url is then https. */
  tls?: ServerTls;
}

/** A running Debian docker-registry (CNCF distribution 2.8) with htpasswd auth. */
export interface RegistryServer {
  url: string;
  host: string;
  logFile: string;
  stop(): Promise<void>;
}

/** bcrypt htpasswd line for `user`, with the password given on stdin (never in argv). */
async function htpasswdLine(user: string, password: string): Promise<string> {
  if (!findExecutable('htpasswd')) {
    throw new ComponentStartError('registry', 'htpasswd is not installed (apt-get install apache2-utils)');
  }
  return new Promise((resolve, reject) => {
    const child = spawn('htpasswd', ['-nBi', user], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0 && out.trim()) resolve(out.trim() + '\n');
      else reject(new ComponentStartError('registry', `htpasswd failed (exit ${code}): ${err.trim()}`));
    });
    child.stdin.end(password);
  });
}

/**
 * Starts `docker-registry serve config.yml` on 127.0.0.1 with filesystem storage, deletes enabled
 * and htpasswd auth for user `AWS`, and waits until unauthenticated `GET /v2/` answers 401.
 */
export async function startRegistry(opts: StartRegistryOptions): Promise<RegistryServer> {
  const dir = join(opts.stateDir, 'registry');
  mkdirSync(join(dir, 'storage'), { recursive: true });
  const htpasswd = join(dir, 'htpasswd');
  writeFileSync(htpasswd, await htpasswdLine('AWS', opts.password));
  const logFile = uniqueLogFile(opts.logDir, 'registry');
  for (let attempt = 1; ; attempt++) {
    const port = attempt === 1 && opts.port ? opts.port : await freePort();
    const host = `127.0.0.1:${port}`;
    const config = join(dir, 'config.yml');
    writeFileSync(
      config,
      [
        'version: 0.1',
        'log:',
        '  level: info',
        '  accesslog:',
        '    disabled: false',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${join(dir, 'storage')}`,
        '  delete:',
        '    enabled: true',
        '  maintenance:',
        '    uploadpurging:',
        '      enabled: false',
        'http:',
        `  addr: ${host}`,
        `  secret: ${randomBytes(16).toString('hex')}`,
        ...(opts.tls
          ? ['  tls:', `    certificate: ${opts.tls.certFile}`, `    key: ${opts.tls.keyFile}`]
          : []),
        'auth:',
        '  htpasswd:',
        '    realm: basic-realm',
        `    path: ${htpasswd}`,
        '',
      ].join('\n'),
    );
    const proc = ManagedProcess.start({
      component: 'registry',
      command: 'docker-registry',
      args: ['serve', config],
      logFile,
    });
    try {
      const url = `${opts.tls ? 'https' : 'http'}://${host}`;
      await proc.waitUntilReady(
        async () => (await probeStatus(`${url}/v2/`, opts.tls)) === 401,
        30_000,
        `unauthenticated GET ${url}/v2/ answered 401`,
      );
      return { url, host, logFile, stop: () => proc.stop() };
    } catch (err) {
      await proc.stop(2000);
      if (attempt < 3 && /address already in use/i.test(proc.tail(10))) continue;
      if (err instanceof ComponentStartError) throw err;
      throw proc.startError(err instanceof Error ? err.message : String(err));
    }
  }
}
