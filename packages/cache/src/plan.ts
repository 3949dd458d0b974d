import { createHash } from 'node:crypto';
import type { Logger, RunContext } from '@slipway/action-kit';
import { probeEcosystem, type RustWorkspace } from './ecosystems.ts';
import { buildKeys, keyPart, relevantEnv, toolchainHash } from './keys.ts';
import { ECOSYSTEMS, findLockfiles, hashLockfiles, type Ecosystem, type Lockfile } from './lockfiles.ts';
import { toCachePattern } from './paths.ts';

/** What to plan caches for. */
export interface PlanOptions {
  workspace: string;
  home: string;
  /** The environment toolchain commands see (and whose variables that change builds key them). */
  env: NodeJS.ProcessEnv;
  /** The workflow run, which keys a paths-only cache; none outside a run. */
  run?: Pick<RunContext, 'runId' | 'runAttempt'>;
  /** `auto` detects ecosystems from the lockfiles in the workspace. */
  ecosystems: 'auto' | readonly Ecosystem[];
  /** Further absolute paths (or glob patterns) to cache, added to the first entry. */
  extraPaths: readonly string[];
  prefix: string;
  /** The job part of the key: the job id, plus the `key` input when given. */
  job: string;
  os: string;
  arch: string;
  /** Limit for each toolchain command (default 20 s). */
  timeoutMs?: number;
}

/** One cache entry: restored in the main step, saved in the post step. */
export interface CacheEntry {
  ecosystem: Ecosystem | 'files';
  key: string;
  restoreKeys: string[];
  /** Paths as handed to `@actions/cache`: workspace-relative, `~/…`, or absolute. */
  paths: string[];
  /** The lockfiles hashed into the key. */
  lockfiles: string[];
  /** The toolchain, in short (`rustc 1.95.0`). */
  toolchain: string;
  rust?: { cargoHome: string; workspaces: RustWorkspace[] };
}

/** An ecosystem that is not cached, and why. */
export interface SkippedEcosystem {
  ecosystem: Ecosystem;
  /** Named in the `ecosystem` input (a warning) rather than detected (a note). */
  requested: boolean;
  message: string;
}

/** The caches of one job step. */
export interface CachePlan {
  entries: CacheEntry[];
  skipped: SkippedEcosystem[];
  lockfiles: Lockfile[];
}

/**
 * The rolling part of a path-only key: the workflow run (and its attempt, so a re-run that failed
 * before saving still saves), or the time where no run id exists.
 */
function runPart(context: PlanOptions['run']): string {
  const run = context?.runId;
  if (!run) return `t${Date.now().toString(36)}`;
  const attempt = context.runAttempt;
  return attempt && attempt !== '1' ? `${run}.${attempt}` : run;
}

/**
 * Works out which caches this job needs: the ecosystems (given, or detected from lockfiles),
 * their toolchains (only the detected ecosystems' commands run), what to cache and under which
 * keys. One entry per ecosystem, so a changed package-lock.json does not throw away a Rust cache.
 */
export async function planCaches(opts: PlanOptions, log: Logger): Promise<CachePlan> {
  const lockfiles = await findLockfiles(opts.workspace);
  const wanted =
    opts.ecosystems === 'auto'
      ? ECOSYSTEMS.filter((e) => lockfiles.some((l) => l.ecosystem === e))
      : ECOSYSTEMS.filter((e) => opts.ecosystems.includes(e));
  if (opts.ecosystems === 'auto') {
    log.info(
      wanted.length > 0
        ? `Detected ${wanted.join(', ')} from ${lockfiles.map((l) => l.path).join(', ')}`
        : 'No lockfile of a known ecosystem found (Cargo.lock, package-lock.json, pnpm-lock.yaml, yarn.lock, go.sum, requirements*.txt, poetry.lock, Pipfile.lock, uv.lock)',
    );
  }
  const ctx = {
    workspace: opts.workspace,
    home: opts.home,
    env: opts.env,
    timeoutMs: opts.timeoutMs ?? 20_000,
  };
  const probes = await Promise.all(
    wanted.map(async (ecosystem) => {
      const own = lockfiles.filter((l) => l.ecosystem === ecosystem);
      return { ecosystem, own, probe: await probeEcosystem(ecosystem, ctx, own) };
    }),
  );

  const pattern = (path: string) => toCachePattern(path, opts.workspace, opts.home);
  const plan: CachePlan = { entries: [], skipped: [], lockfiles };
  for (const { ecosystem, own, probe } of probes) {
    if ('problem' in probe) {
      plan.skipped.push({ ecosystem, requested: opts.ecosystems !== 'auto', message: probe.problem });
      continue;
    }
    for (const note of probe.notes) log.warning(`test-cache (${ecosystem}): ${note}`);
    const paths = [...new Set(probe.paths.map(pattern))];
    const lockfileHash =
      own.length > 0
        ? await hashLockfiles(
            opts.workspace,
            own.map((l) => l.path),
          )
        : 'nolock';
    const keys = buildKeys({
      prefix: opts.prefix,
      ecosystem,
      os: opts.os,
      arch: opts.arch,
      job: opts.job,
      toolchainHash: toolchainHash(probe.identity, relevantEnv(ecosystem, opts.env)),
      lockfileHash,
    });
    plan.entries.push({
      ecosystem,
      ...keys,
      paths,
      lockfiles: own.map((l) => l.path),
      toolchain: probe.summary,
      ...(probe.rust ? { rust: probe.rust } : {}),
    });
  }

  if (opts.extraPaths.length > 0) {
    const extra = opts.extraPaths.map((p) => (p.startsWith('!') ? `!${pattern(p.slice(1))}` : pattern(p)));
    const first = plan.entries[0];
    if (first) {
      first.paths = [...new Set([...first.paths, ...extra])];
    } else {
      // Paths alone: nothing identifies a toolchain or a lockfile, so nothing tells when their
      // content changed. A key of the path list alone would be an exact hit forever after the
      // first save, and never update; so the key ends in the run id, and restores fall back to the
      // newest entry of the same path list (then of the same job). Each run the save policy allows
      // saves a fresh entry; the service evicts the old ones.
      const listed = createHash('sha256').update(extra.join('\n')).digest('hex').slice(0, 16);
      const keys = buildKeys({
        prefix: opts.prefix,
        ecosystem: 'files',
        os: opts.os,
        arch: opts.arch,
        job: opts.job,
        toolchainHash: 'any',
        lockfileHash: listed,
      });
      plan.entries.push({
        ecosystem: 'files',
        key: `${keys.key}-${keyPart(runPart(opts.run))}`,
        restoreKeys: [`${keys.key}-`, ...keys.restoreKeys],
        paths: extra,
        lockfiles: [],
        toolchain: '-',
      });
    }
  }
  return plan;
}
