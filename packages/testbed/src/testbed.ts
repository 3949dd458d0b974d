import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDockerEngine } from './components/dockerd.ts';
import { startMoto } from './components/moto.ts';
import { startRegistry } from './components/registry.ts';
import { startGitServer } from './components/git-server.ts';
import { startCacheDouble, type CacheDouble } from './doubles/cache.ts';
import { startGitHubDouble, type GitHubDouble } from './doubles/github.ts';
import { startSlackDouble, type SlackDouble } from './doubles/slack.ts';
import { TESTBED_ENV, type TestbedEndpoints } from './endpoints.ts';
import { shortTempDir, unmountUnder } from './paths.ts';
import { ComponentStartError, freePort } from './process.ts';
import { createRunDir } from './run-dir.ts';

/** The components of the test bed. */
export type ComponentName = 'moto' | 'registry' | 'dockerd' | 'slack' | 'cache' | 'git' | 'github';

/** Every component, in the order the test bed reports them. */
export const ALL_COMPONENTS: readonly ComponentName[] = [
  'moto',
  'registry',
  'dockerd',
  'slack',
  'cache',
  'git',
  'github',
];

/** Options for {@link startTestbed}. */
export interface StartTestbedOptions {
  /** Which components to start (default: all). `registry` needs `moto` and starts it too. */
  components?: ComponentName[];
}

/** A started test bed. */
export interface Testbed {
  /** Endpoints; fields of components that were not started hold empty strings. */
  endpoints: TestbedEndpoints;
  /** Components actually started. */
  components: ComponentName[];
  /** `.testbed/run-…` (logs/ inside; kept after stop). */
  runDir: string;
  /** `/tmp/slw-…`: sockets, dockerd roots, registry storage, cache archives (removed on stop). */
  stateDir: string;
  /** In-process doubles, for direct inspection in the process that started them. */
  doubles: { slack?: SlackDouble; cache?: CacheDouble; github?: GitHubDouble };
  /** Stops every component (process groups included) and removes the state dir; idempotent. */
  stop(): Promise<void>;
}

const active = new Set<{ stop(): Promise<void>; stateDir: string }>();
let hooksInstalled = false;

/** Removes a bed's state dir, unmounting what dockerd may have left mounted in it first. */
function removeStateDir(dir: string): void {
  unmountUnder(dir);
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch (err) {
    // A mount that would not go away must not hide why the bed stopped (a component that did
    // not start, say): the folder is left behind and said so.
    process.stderr.write(`testbed: could not remove ${dir}: ${(err as Error).message}\n`);
  }
}

function installSignalHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  const onSignal = (signal: NodeJS.Signals, code: number): void => {
    process.once(signal, () => {
      void Promise.allSettled([...active].map((bed) => bed.stop())).finally(() => process.exit(code));
    });
  };
  onSignal('SIGINT', 130);
  onSignal('SIGTERM', 143);
  // Processes are SIGKILLed by process.ts' exit hook; this removes their state.
  process.on('exit', () => {
    for (const bed of active) {
      try {
        removeStateDir(bed.stateDir);
      } catch {
        // best effort at exit
      }
    }
  });
}

async function ecrPassword(motoUrl: string): Promise<string> {
  const { ECRClient, GetAuthorizationTokenCommand } = await import('@aws-sdk/client-ecr');
  const client = new ECRClient({
    endpoint: motoUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  try {
    const out = await client.send(new GetAuthorizationTokenCommand({}));
    const token = out.authorizationData?.[0]?.authorizationToken;
    if (!token) throw new Error('GetAuthorizationToken returned no token');
    const decoded = Buffer.from(token, 'base64').toString('utf8');
    const sep = decoded.indexOf(':');
    if (sep < 0 || decoded.slice(0, sep) !== 'AWS')
      throw new Error('the token is not base64 "AWS:<password>"');
    return decoded.slice(sep + 1);
  } catch (err) {
    throw new ComponentStartError(
      'registry',
      `could not read the ECR password from moto: ${(err as Error).message}`,
    );
  } finally {
    client.destroy();
  }
}

/**
 * Starts the test bed: moto_server, docker-registry (htpasswd user AWS, password from moto's ECR
 * token), dockerd, and the Slack and cache-service doubles (in this process), each on 127.0.0.1
 * and a free port, logging to `.testbed/run-…/logs/`. Throws ComponentStartError naming the
 * component, the reason and its log tail if any component fails — after stopping the others.
 */
export async function startTestbed(opts: StartTestbedOptions = {}): Promise<Testbed> {
  const want = new Set<ComponentName>(opts.components ?? ALL_COMPONENTS);
  if (want.has('registry')) want.add('moto');
  const run = createRunDir();
  const stateDir = shortTempDir();
  const stoppers: { name: string; stop(): Promise<void> }[] = [];
  const endpoints: TestbedEndpoints = {
    moto: { url: '' },
    registry: { url: '', host: '', username: 'AWS', password: '' },
    dockerd: { host: '' },
    slack: { url: '' },
    cache: { url: '' },
    git: { url: '', root: '' },
    github: { url: '' },
    logDir: run.logDir,
  };
  const doubles: Testbed['doubles'] = {};
  let stopped = false;
  const bed = {
    stateDir,
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      await Promise.allSettled(stoppers.map((s) => s.stop()));
      removeStateDir(stateDir);
      active.delete(bed);
    },
  };
  active.add(bed);
  installSignalHooks();

  const registryPort = want.has('registry') ? await freePort() : undefined;
  const tasks: Promise<unknown>[] = [];
  const moto = want.has('moto')
    ? startMoto({ logDir: run.logDir }).then((m) => {
        stoppers.push({ name: 'moto', stop: m.stop });
        endpoints.moto = { url: m.url };
        return m;
      })
    : undefined;
  if (moto) tasks.push(moto);
  if (want.has('registry') && moto) {
    tasks.push(
      moto.then(async (m) => {
        const password = await ecrPassword(m.url);
        const r = await startRegistry({ stateDir, logDir: run.logDir, password, port: registryPort });
        stoppers.push({ name: 'registry', stop: r.stop });
        endpoints.registry = { url: r.url, host: r.host, username: 'AWS', password };
      }),
    );
  }
  if (want.has('dockerd')) {
    tasks.push(
      startDockerEngine({
        stateDir,
        logDir: run.logDir,
        insecureRegistry: registryPort ? `127.0.0.1:${registryPort}` : undefined,
      }).then((d) => {
        stoppers.push({ name: 'dockerd', stop: d.stop });
        endpoints.dockerd = { host: d.host };
      }),
    );
  }
  if (want.has('slack')) {
    tasks.push(
      startSlackDouble().then((s) => {
        stoppers.push({ name: 'slack', stop: s.stop });
        endpoints.slack = { url: s.url };
        doubles.slack = s.double;
      }),
    );
  }
  if (want.has('cache')) {
    tasks.push(
      startCacheDouble(join(stateDir, 'cache')).then((c) => {
        stoppers.push({ name: 'cache', stop: c.stop });
        endpoints.cache = { url: c.url };
        doubles.cache = c.double;
      }),
    );
  }

  if (want.has('git')) {
    const root = join(stateDir, 'git');
    tasks.push(
      startGitServer({ root, logFile: join(run.logDir, 'git.log') }).then((g) => {
        stoppers.push({ name: 'git', stop: g.stop });
        endpoints.git = { url: g.url, root };
      }),
    );
  }
  if (want.has('github')) {
    tasks.push(
      startGitHubDouble({ gitRoot: join(stateDir, 'git') }).then((g) => {
        stoppers.push({ name: 'github', stop: g.stop });
        endpoints.github = { url: g.url };
        doubles.github = g.double;
      }),
    );
  }

  const results = await Promise.allSettled(tasks);
  const errors = [...new Set(results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : [])))];
  if (errors.length) {
    await bed.stop();
    const startErrors = errors.map((e) =>
      e instanceof ComponentStartError
        ? e
        : new ComponentStartError('test bed', e instanceof Error ? e.message : String(e)),
    );
    if (startErrors.length === 1 && startErrors[0]) throw startErrors[0];
    throw new ComponentStartError(
      startErrors.map((e) => e.component).join(' and '),
      `several components failed:\n\n${startErrors.map((e) => e.message).join('\n\n')}`,
    );
  }
  // For looking around after a run; the registry password is left out (it is moto's ECR token).
  const { password: _password, ...registry } = endpoints.registry;
  writeFileSync(join(run.dir, 'endpoints.json'), JSON.stringify({ ...endpoints, registry }, null, 2));
  return {
    endpoints,
    components: ALL_COMPONENTS.filter((c) => want.has(c)),
    runDir: run.dir,
    stateDir,
    doubles,
    stop: () => bed.stop(),
  };
}

/**
 * Starts a test bed, publishes its endpoints in SLIPWAY_TESTBED (so `testbed()` and `runActionStep`
 * in this process and its children find it), runs `fn`, and always stops the bed.
 */
export async function withTestbed<T>(
  fn: (endpoints: TestbedEndpoints, bed: Testbed) => Promise<T>,
  opts: StartTestbedOptions = {},
): Promise<T> {
  const bed = await startTestbed(opts);
  const previous = process.env[TESTBED_ENV];
  process.env[TESTBED_ENV] = JSON.stringify(bed.endpoints);
  try {
    return await fn(bed.endpoints, bed);
  } finally {
    if (previous === undefined) Reflect.deleteProperty(process.env, TESTBED_ENV);
    else process.env[TESTBED_ENV] = previous;
    await bed.stop();
  }
}
