import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { binStagingDir } from './cargo-bin.ts';
import type { Ecosystem, Lockfile } from './lockfiles.ts';
import { runTool } from './tools.ts';

/** Where and how the probes run. */
export interface ProbeContext {
  workspace: string;
  home: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
}

/** A cargo workspace whose target directory is cached. */
export interface RustWorkspace {
  root: string;
  targetDir: string;
  /** Workspace member package names. */
  packages: string[];
  /** Their crate (target) names. */
  targets: string[];
}

/** What a toolchain probe found. */
export interface ProbeResult {
  /** Lines that identify the toolchain (command outputs), hashed into the key. */
  identity: string[];
  /** A short human form, e.g. `rustc 1.95.0`. */
  summary: string;
  /** Absolute paths to cache. */
  paths: string[];
  /** Problems that leave the ecosystem cached, but less of it. */
  notes: string[];
  rust?: { cargoHome: string; workspaces: RustWorkspace[] };
}

/** A probe that could not run the ecosystem's toolchain. */
export interface ProbeProblem {
  problem: string;
}

const firstLine = (text: string) => text.split('\n')[0]?.trim() ?? '';

/** The folders holding the lockfiles, or the workspace when there are none. */
function lockDirs(ctx: ProbeContext, lockfiles: readonly Lockfile[]): string[] {
  const dirs = [...new Set(lockfiles.map((l) => dirname(join(ctx.workspace, l.path))))];
  return dirs.length > 0 ? dirs : [ctx.workspace];
}

function missingToolchain(tool: string, what: string): string {
  return `${tool} is not on PATH: set up ${what} before this step (the toolchain version is part of the cache key)`;
}

/**
 * Rust: `rustc -vV` identifies the compiler (release, commit, host, LLVM); `cargo metadata
 * --no-deps` names each workspace's members and target directory without resolving anything.
 * Cached: the registry index and downloaded crates, git dependencies' databases, binaries the job
 * installs, and the target directories (pruned to third-party artifacts before saving).
 */
async function probeRust(
  ctx: ProbeContext,
  lockfiles: readonly Lockfile[],
): Promise<ProbeResult | ProbeProblem> {
  const dirs = lockDirs(ctx, lockfiles);
  const opts = { cwd: dirs[0] as string, env: ctx.env, timeoutMs: ctx.timeoutMs };
  const rustc = await runTool('rustc', ['-vV'], opts);
  if (!rustc.ok) {
    return {
      problem: rustc.reason === 'missing' ? missingToolchain('rustc', 'the Rust toolchain') : rustc.message,
    };
  }
  const cargoHome = ctx.env.CARGO_HOME
    ? resolve(ctx.workspace, ctx.env.CARGO_HOME)
    : join(ctx.home, '.cargo');
  const notes: string[] = [];
  const workspaces: RustWorkspace[] = [];
  for (const dir of dirs) {
    if (!existsSync(join(dir, 'Cargo.toml'))) continue;
    const meta = await runTool('cargo', ['metadata', '--format-version', '1', '--no-deps', '--offline'], {
      ...opts,
      cwd: dir,
    });
    if (!meta.ok) {
      notes.push(
        `cannot read the cargo workspace in ${dir} (${meta.message}); its target directory is not cached`,
      );
      continue;
    }
    const parsed = JSON.parse(meta.stdout) as {
      workspace_root: string;
      target_directory: string;
      packages: { name: string; targets: { name: string }[] }[];
    };
    if (workspaces.some((w) => w.root === parsed.workspace_root)) continue;
    workspaces.push({
      root: parsed.workspace_root,
      targetDir: parsed.target_directory,
      packages: parsed.packages.map((p) => p.name).sort(),
      targets: [...new Set(parsed.packages.flatMap((p) => p.targets.map((t) => t.name)))].sort(),
    });
  }
  return {
    identity: [rustc.stdout],
    summary: firstLine(rustc.stdout),
    paths: [
      join(cargoHome, 'registry', 'index'),
      join(cargoHome, 'registry', 'cache'),
      join(cargoHome, 'git', 'db'),
      binStagingDir(cargoHome),
      ...new Set(workspaces.map((w) => w.targetDir)),
    ],
    notes,
    rust: { cargoHome, workspaces },
  };
}

/**
 * Node: the package manager's own download cache (npm's `_cacache`, the pnpm store, yarn's cache
 * folder), never `node_modules`: installed trees depend on the install command, scripts and
 * platform, while the download cache is content-addressed and always safe to reuse.
 */
async function probeNode(
  ctx: ProbeContext,
  lockfiles: readonly Lockfile[],
): Promise<ProbeResult | ProbeProblem> {
  const base = { cwd: lockDirs(ctx, lockfiles)[0] as string, env: ctx.env, timeoutMs: ctx.timeoutMs };
  const node = await runTool('node', ['--version'], base);
  if (!node.ok) {
    return { problem: node.reason === 'missing' ? missingToolchain('node', 'Node.js') : node.message };
  }
  const managers = [...new Set(lockfiles.map((l) => l.packageManager ?? 'npm'))].sort();
  if (managers.length === 0) managers.push('npm');
  const paths: string[] = [];
  const notes: string[] = [];
  for (const pm of managers) {
    const dir = lockfiles.find((l) => l.packageManager === pm);
    const opts = { ...base, cwd: dir ? dirname(join(ctx.workspace, dir.path)) : base.cwd };
    if (pm === 'npm') {
      const cache = await runTool('npm', ['config', 'get', 'cache'], opts);
      if (cache.ok && cache.stdout) paths.push(join(resolve(opts.cwd, firstLine(cache.stdout)), '_cacache'));
      else {
        paths.push(join(ctx.home, '.npm', '_cacache'));
        if (!cache.ok) notes.push(`${cache.message}; caching npm's default ~/.npm/_cacache`);
      }
    } else if (pm === 'pnpm') {
      const store = await runTool('pnpm', ['store', 'path'], opts);
      if (store.ok && store.stdout) paths.push(resolve(opts.cwd, firstLine(store.stdout)));
      else
        notes.push(
          `pnpm-lock.yaml found but ${store.ok ? 'pnpm named no store' : store.message}; the pnpm store is not cached`,
        );
    } else {
      const version = await runTool('yarn', ['--version'], opts);
      if (!version.ok) {
        notes.push(`yarn.lock found but ${version.message}; the yarn cache is not cached`);
        continue;
      }
      const berry = Number(version.stdout.split('.')[0]) >= 2;
      const folder = await runTool('yarn', berry ? ['config', 'get', 'cacheFolder'] : ['cache', 'dir'], opts);
      if (folder.ok && folder.stdout) paths.push(resolve(opts.cwd, firstLine(folder.stdout)));
      else
        notes.push(
          `${folder.ok ? 'yarn named no cache folder' : folder.message}; the yarn cache is not cached`,
        );
    }
  }
  const summary = `node ${node.stdout} with ${managers.join(', ')}`;
  return { identity: [node.stdout, ...managers], summary, paths, notes };
}

/** Go: the module cache and the build cache, where `go env` says they are. */
async function probeGo(
  ctx: ProbeContext,
  lockfiles: readonly Lockfile[],
): Promise<ProbeResult | ProbeProblem> {
  const opts = { cwd: lockDirs(ctx, lockfiles)[0] as string, env: ctx.env, timeoutMs: ctx.timeoutMs };
  const version = await runTool('go', ['version'], opts);
  if (!version.ok) {
    return { problem: version.reason === 'missing' ? missingToolchain('go', 'Go') : version.message };
  }
  const env = await runTool('go', ['env', 'GOMODCACHE', 'GOCACHE'], opts);
  if (!env.ok) return { problem: env.message };
  const paths = env.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((p) => resolve(opts.cwd, p));
  return {
    identity: [version.stdout],
    summary: version.stdout.replace(/^go version /, ''),
    paths,
    notes: [],
  };
}

/** Python: pip's download and wheel cache, where `pip cache dir` says it is. */
async function probePython(
  ctx: ProbeContext,
  lockfiles: readonly Lockfile[],
): Promise<ProbeResult | ProbeProblem> {
  const opts = { cwd: lockDirs(ctx, lockfiles)[0] as string, env: ctx.env, timeoutMs: ctx.timeoutMs };
  let python = 'python';
  let version = await runTool(python, ['--version'], opts);
  if (!version.ok && version.reason === 'missing') {
    python = 'python3';
    version = await runTool(python, ['--version'], opts);
  }
  if (!version.ok) {
    return { problem: version.reason === 'missing' ? missingToolchain('python', 'Python') : version.message };
  }
  const notes: string[] = [];
  const dir = await runTool(python, ['-m', 'pip', 'cache', 'dir'], opts);
  let cacheDir: string;
  if (dir.ok && dir.stdout) cacheDir = resolve(opts.cwd, firstLine(dir.stdout));
  else {
    cacheDir = ctx.env.PIP_CACHE_DIR
      ? resolve(opts.cwd, ctx.env.PIP_CACHE_DIR)
      : join(ctx.home, '.cache', 'pip');
    notes.push(`${dir.ok ? 'pip named no cache folder' : dir.message}; caching ${cacheDir}`);
  }
  // Python 2 printed its version on stderr; every supported Python prints it on stdout.
  const identity = version.stdout || 'python (unknown version)';
  return { identity: [identity], summary: identity, paths: [cacheDir], notes };
}

/** Runs the toolchain probe of one ecosystem. */
export function probeEcosystem(
  ecosystem: Ecosystem,
  ctx: ProbeContext,
  lockfiles: readonly Lockfile[],
): Promise<ProbeResult | ProbeProblem> {
  switch (ecosystem) {
    case 'rust':
      return probeRust(ctx, lockfiles);
    case 'node':
      return probeNode(ctx, lockfiles);
    case 'go':
      return probeGo(ctx, lockfiles);
    case 'python':
      return probePython(ctx, lockfiles);
  }
}
