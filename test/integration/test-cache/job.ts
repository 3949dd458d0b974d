// Runs test-cache the way a job does: the main step through the harness, the job's own steps in
// between, then the post step only if the runner would run it.
//
// The harness evaluates post-if against the main step's exit code and knows only plain status
// functions. test-cache's post-if is `success() || env.SLIPWAY_TEST_CACHE_ON_FAILURE == 'true'`,
// and what matters is the job's status after later steps failed, so this helper evaluates the real
// expression from action.yml with GitHub's own expression library, against the job status a test
// chooses and the job's environment after main's exports, and then runs the post step as the
// runner does: main's environment, GITHUB_ENV exports, PATH additions, STATE_* and fresh files.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join, relative, sep } from 'node:path';
import {
  actionYmlPath,
  bundlePath,
  evaluateCondition,
  nodeBinary,
  parseAnnotations,
  parseKeyValueFile,
  repoRoot,
  runActionStep,
  type ActionRun,
  type Annotation,
  type RunActionOptions,
} from '@slipway/testbed';
import { parse } from 'yaml';

/** How the job went by the time the runner reaches the post steps. */
export type JobStatus = 'success' | 'failure';

/** The post step's result. */
export interface PostRun {
  exitCode: number;
  output: string;
  outputs: Record<string, string>;
  summary: string;
  annotations: Annotation[];
  commandFiles: Record<string, string>;
}

/** A job: test-cache's main step, then the post step when post-if allows it. */
export interface JobRun {
  main: ActionRun;
  /** Undefined when post-if said no. */
  post?: PostRun;
  postIf: string;
}

/** test-cache's `runs.post-if`, as written in action.yml. */
export function postIf(): string {
  const yml = parse(readFileSync(actionYmlPath('test-cache'), 'utf8')) as { runs: { 'post-if'?: string } };
  return yml.runs['post-if'] ?? 'always()';
}

/** Evaluates a post-if expression like the runner: status functions plus the `env` context. */
export function evaluatePostIf(expression: string, status: JobStatus, env: Record<string, string>): boolean {
  return evaluateCondition(expression, status, env);
}

const FILE_COMMANDS = {
  GITHUB_OUTPUT: 'set_output',
  GITHUB_STATE: 'save_state',
  GITHUB_ENV: 'set_env',
  GITHUB_PATH: 'add_path',
  GITHUB_STEP_SUMMARY: 'step_summary',
} as const;

/** Runs the post step after `main`, as the runner would. */
export async function runPost(main: ActionRun, nodeVersion: 20 | 24 = 24): Promise<PostRun> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(main.stepEnv)) {
    if (!k.startsWith('STATE_') && !(k in FILE_COMMANDS)) env[k] = v;
  }
  Object.assign(env, main.env);
  if (main.paths.length) env.PATH = [...[...main.paths].reverse(), env.PATH ?? ''].join(delimiter);
  for (const [k, v] of Object.entries(main.state)) env[`STATE_${k}`] = v;
  const dir = join(main.files.temp, '_runner_file_commands');
  mkdirSync(dir, { recursive: true });
  const files: Record<string, string> = {};
  for (const [variable, prefix] of Object.entries(FILE_COMMANDS)) {
    files[variable] = join(dir, `${prefix}_${randomUUID()}`);
    writeFileSync(files[variable] as string, '');
  }
  let output = '';
  const exitCode = await new Promise<number>((resolve, reject) => {
    const child = spawn(nodeBinary(nodeVersion), [bundlePath('test-cache')], {
      cwd: main.files.workspace,
      env: { ...env, ...files },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
  const commandFiles = Object.fromEntries(
    Object.entries(files).map(([variable, path]) => [variable, readFileSync(path, 'utf8')]),
  );
  return {
    exitCode,
    output,
    outputs: parseKeyValueFile(commandFiles.GITHUB_OUTPUT ?? '', 'post GITHUB_OUTPUT'),
    summary: commandFiles.GITHUB_STEP_SUMMARY ?? '',
    annotations: parseAnnotations(output),
    commandFiles,
  };
}

/**
 * A job using test-cache: main, then `between` (the job's own steps, e.g. a build), then the post
 * step if post-if holds for `status`.
 */
export async function runJob(
  opts: RunActionOptions & { status?: JobStatus; between?: (main: ActionRun) => Promise<void> },
): Promise<JobRun> {
  const { status = 'success', between, ...runOpts } = opts;
  const main = await runActionStep('test-cache', { ...runOpts, post: false });
  const expression = postIf();
  if (main.exitCode === 0) await between?.(main);
  const jobEnv = { ...main.stepEnv, ...main.env };
  const jobStatus = main.exitCode === 0 ? status : 'failure';
  if (!evaluatePostIf(expression, jobStatus, jobEnv)) return { main, postIf: expression };
  return { main, post: await runPost(main, runOpts.nodeVersion), postIf: expression };
}

/** The Rust workspace fixture the test-cache tests and bench build. */
export const rustFixture = join(repoRoot, 'test', 'fixtures', 'rust-workspace');

/** The directory source the fixture's cargo-home/config.toml replaces crates.io with. */
export const DEBIAN_CARGO_REGISTRY = '/usr/share/cargo/registry';

/**
 * The crates of the fixture's Cargo.lock that the Debian registry does not hold (at that exact
 * version), each with the Debian package that ships it: `librust-<name>-dev`, `_` written `-`.
 * Debian's crate packages bring the crates behind default features (regex → aho-corasick, memchr)
 * only as Recommends, which `--no-install-recommends` leaves out: a fresh machine then fails deep
 * in cargo with "no matching package named aho-corasick". Checked before every build instead.
 */
export function missingFixtureCrates(
  registry = DEBIAN_CARGO_REGISTRY,
  lock = readFileSync(join(rustFixture, 'Cargo.lock'), 'utf8'),
): { crate: string; version: string; debianPackage: string }[] {
  const missing: { crate: string; version: string; debianPackage: string }[] = [];
  for (const block of lock.split(/^\[\[package\]\]$/m).slice(1)) {
    const field = (key: string) => new RegExp(`^${key} = "([^"]*)"$`, 'm').exec(block)?.[1];
    const crate = field('name');
    const version = field('version');
    // Workspace members have no source; only registry crates come from Debian.
    if (!crate || !version || !field('source')?.startsWith('registry+')) continue;
    if (existsSync(join(registry, `${crate}-${version}`))) continue;
    missing.push({ crate, version, debianPackage: `librust-${crate.toLowerCase().replace(/_/g, '-')}-dev` });
  }
  return missing;
}

/** Throws, naming the Debian packages to install, when the fixture cannot build offline. */
export function checkFixtureCrates(registry = DEBIAN_CARGO_REGISTRY): void {
  const missing = missingFixtureCrates(registry);
  if (missing.length === 0) return;
  throw new Error(
    `the Rust fixture cannot build offline: ${registry} has no ${missing.map((m) => `${m.crate} ${m.version}`).join(', ')}. ` +
      `Install ${[...new Set(missing.map((m) => m.debianPackage))].join(' ')} (apt-get install --no-install-recommends …; scripts/install-testbed.sh lists every crate package the fixture needs)`,
  );
}

/**
 * A fresh runner for the fixture, always at the same paths (as GitHub's runners are): a clean
 * checkout in `workspace`, an empty `home` whose `.cargo/config.toml` makes crates.io the offline
 * Debian directory source.
 */
export function freshRunner(root: string): { workspace: string; home: string } {
  checkFixtureCrates();
  const workspace = join(root, 'workspace');
  const home = join(root, 'home');
  rmSync(workspace, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
  // Skip the fixture's build output, judged on the path inside the fixture: the checkout's own
  // location may well contain "/target".
  cpSync(rustFixture, workspace, {
    recursive: true,
    filter: (src) => !relative(rustFixture, src).split(sep).includes('target'),
  });
  mkdirSync(join(home, '.cargo'), { recursive: true });
  cpSync(join(rustFixture, 'cargo-home', 'config.toml'), join(home, '.cargo', 'config.toml'));
  return { workspace, home };
}
