import { execFile } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
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

/** A running dockerd with its own socket, data-root and exec-root, or the runner's engine. */
export interface DockerDaemon {
  /** `unix:///tmp/slw-…/docker.sock`, for DOCKER_HOST. */
  host: string;
  dataRoot: string;
  logFile: string;
  /** `own`: this test bed started it; `runner`: the runner's engine, reused (see {@link startDockerEngine}). */
  origin: 'own' | 'runner';
  /** Stops an own dockerd; for the runner's engine, removes only what appeared while it was in use. */
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
  return { host, dataRoot, logFile, origin: 'own', stop: () => stop(20_000) };
}

/** The socket GitHub-hosted Linux runners' Docker engine listens on. */
export const RUNNER_DOCKER_HOST = 'unix:///var/run/docker.sock';

/**
 * The Docker engine of the machine the tests run on, to use instead of starting a second dockerd
 * (which needs root): SLIPWAY_DOCKER_HOST or DOCKER_HOST when set, else on GitHub Actions
 * (GITHUB_ACTIONS=true) the runner's socket. Undefined when none is named or none answers
 * `docker info`; the test bed then starts its own dockerd.
 */
export async function findRunnerEngine(
  env: NodeJS.ProcessEnv,
): Promise<{ host: string; version: string; rootDir: string } | undefined> {
  const host =
    env.SLIPWAY_DOCKER_HOST || env.DOCKER_HOST || (env.GITHUB_ACTIONS === 'true' ? RUNNER_DOCKER_HOST : '');
  if (!host) return undefined;
  try {
    const { stdout } = await run('docker', ['info', '--format', '{{.ServerVersion}} {{.DockerRootDir}}'], {
      env: { PATH: env.PATH ?? process.env.PATH, HOME: process.env.HOME, DOCKER_HOST: host },
      timeout: 15_000,
    });
    const [version = '', rootDir = ''] = stdout.trim().split(' ');
    return version ? { host, version, rootDir } : undefined;
  } catch {
    return undefined;
  }
}

/** What an engine holds: container IDs, image IDs and image references (`repo:tag`). */
interface EngineContents {
  containers: Set<string>;
  images: Set<string>;
  references: Set<string>;
}

async function engineContents(host: string): Promise<EngineContents> {
  const docker = async (args: string[]) =>
    (await run('docker', args, { env: { ...process.env, DOCKER_HOST: host }, timeout: 60_000 })).stdout
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.includes('<none>'));
  const [containers, images, references] = await Promise.all([
    docker(['ps', '-aq', '--no-trunc']),
    docker(['image', 'ls', '-aq', '--no-trunc']),
    docker(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}']),
  ]);
  return { containers: new Set(containers), images: new Set(images), references: new Set(references) };
}

/**
 * Removes what appeared on the engine since `before`: containers, then image references, then the
 * images left without one. Never a prune: whatever the runner's engine held before stays.
 */
async function removeAdded(host: string, before: EngineContents, log: (line: string) => void): Promise<void> {
  const env = { ...process.env, DOCKER_HOST: host };
  const remove = async (what: string, args: string[]) => {
    try {
      await run('docker', args, { env, timeout: 120_000 });
      log(`removed ${what}`);
    } catch (err) {
      log(`could not remove ${what}: ${(err as Error).message.split('\n')[0]}`);
    }
  };
  let now = await engineContents(host);
  for (const id of now.containers)
    if (!before.containers.has(id)) await remove(`container ${id}`, ['rm', '-f', '-v', id]);
  for (const ref of now.references)
    if (!before.references.has(ref)) await remove(`image ${ref}`, ['image', 'rm', ref]);
  now = await engineContents(host);
  for (const id of now.images) if (!before.images.has(id)) await remove(`image ${id}`, ['image', 'rm', id]);
}

/**
 * The Docker engine for the tests: the runner's own when {@link findRunnerEngine} finds one that
 * answers (GitHub-hosted runners have one, and starting a second dockerd needs root), else a
 * dockerd of our own as {@link startDockerd} starts it. On the runner's engine, stop() removes
 * only the containers, image references and images that appeared while the tests used it.
 * Registries on 127.0.0.0/8 need no --insecure-registry there: Docker treats loopback registries
 * as insecure by default (https://docs.docker.com/reference/cli/dockerd/#insecure-registries).
 */
export async function startDockerEngine(
  opts: StartDockerdOptions & { env?: NodeJS.ProcessEnv },
): Promise<DockerDaemon> {
  const engine = await findRunnerEngine(opts.env ?? process.env);
  if (!engine) return startDockerd(opts);
  const logFile = uniqueLogFile(opts.logDir, 'dockerd-runner');
  const log = (line: string) => appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`);
  log(`using the Docker engine at ${engine.host} (${engine.version}) instead of starting dockerd`);
  const before = await engineContents(engine.host);
  let stopped: Promise<void> | undefined;
  return {
    host: engine.host,
    dataRoot: engine.rootDir,
    logFile,
    origin: 'runner',
    stop: () => (stopped ??= removeAdded(engine.host, before, log)),
  };
}
