import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ManagedProcess } from '../process.ts';
import { unmountUnder } from '../paths.ts';
import { uniqueLogFile } from '../run-dir.ts';

const run = promisify(execFile);

/** Options for {@link startDockerd}. */
export interface StartDockerdOptions {
  /** A SHORT directory (/tmp/slw-…): the socket and exec-root go here (108-byte socket limit). */
  stateDir: string;
  logDir: string;
  /** `127.0.0.1:PORT` of the test registry, passed as --insecure-registry. */
  insecureRegistry?: string;
}

/** A running dockerd with its own socket, data-root and exec-root. */
export interface DockerDaemon {
  /** `unix:///tmp/slw-…/docker.sock`, for DOCKER_HOST. */
  host: string;
  dataRoot: string;
  logFile: string;
  stop(): Promise<void>;
}

function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/**
 * Starts Debian's dockerd (20.10) without networking or iptables, vfs storage, listening on a
 * unix socket under `stateDir`, and waits until `docker version` answers over it.
 */
export async function startDockerd(opts: StartDockerdOptions): Promise<DockerDaemon> {
  const socket = join(opts.stateDir, 'docker.sock');
  const execRoot = join(opts.stateDir, 'e');
  const dataRoot = join(opts.stateDir, 'd');
  mkdirSync(execRoot, { recursive: true });
  mkdirSync(dataRoot, { recursive: true });
  const host = `unix://${socket}`;
  const logFile = uniqueLogFile(opts.logDir, 'dockerd');
  const args = [
    '--iptables=false',
    '--ip6tables=false',
    '--bridge=none',
    '--storage-driver=vfs',
    '--data-root',
    dataRoot,
    '--exec-root',
    execRoot,
    '--pidfile',
    join(opts.stateDir, 'docker.pid'),
    '-H',
    host,
  ];
  if (opts.insecureRegistry) args.push('--insecure-registry', opts.insecureRegistry);
  const proc = ManagedProcess.start({ component: 'dockerd', command: 'dockerd', args, logFile });
  const stop = async (graceMs: number): Promise<void> => {
    await proc.stop(graceMs);
    unmountUnder(dataRoot);
    unmountUnder(execRoot);
  };
  try {
    await proc.waitUntilReady(() => ping(socket), 60_000, `dockerd answered on ${host}`);
  } catch (err) {
    await stop(5000);
    throw err;
  }
  try {
    await run('docker', ['version', '--format', '{{.Server.Version}}'], {
      env: { ...process.env, DOCKER_HOST: host },
      timeout: 30_000,
    });
  } catch (err) {
    await stop(5000);
    throw proc.startError(`docker version over ${host} failed: ${(err as Error).message}`);
  }
  // dockerd unmounts its data-root and stops containerd on SIGTERM; give it time to do so.
  return { host, dataRoot, logFile, stop: () => stop(20_000) };
}
