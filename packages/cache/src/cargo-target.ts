import { lstat, readdir, readFile, rm, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@slipway/action-kit';

/** What {@link pruneCargoTarget} keeps: the third-party crates one workspace builds. */
export interface PruneOptions {
  /** The workspace's target directory (`cargo metadata` → `target_directory`). */
  targetDir: string;
  /** Package names of the workspace members (`cargo metadata --no-deps` → `packages[].name`). */
  workspacePackages: readonly string[];
  /** Their target (crate) names (`packages[].targets[].name`), as they appear in `deps/`. */
  workspaceTargets: readonly string[];
  /**
   * Epoch milliseconds the job's cache step started. When given, units whose fingerprint was
   * neither read nor written since then are dropped: they belong to dependencies this run no
   * longer builds (an upgraded crate's old version, a removed dependency, another profile).
   */
  usedSince?: number;
}

/** What pruning removed and kept, per category, in bytes. */
export interface PruneReport {
  profiles: string[];
  keptBytes: number;
  removedBytes: number;
  removed: { workspace: number; incremental: number; unused: number; other: number };
  /** Third-party units kept. */
  keptUnits: number;
  /** Why the unused rule was not applied, when it was asked for and skipped. */
  unusedRuleSkipped?: string;
}

/** `<name>-<16 hex>` with an optional extension: how cargo names every unit's files. */
const UNIT = /^(.*)-([0-9a-f]{16})(\..*)?$/;

/** The profile sub-folders that hold reusable, per-unit artifacts. */
const KEEP_IN_PROFILE = new Set(['deps', 'build', '.fingerprint']);

async function isDir(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** A profile folder (`debug`, `release`, a custom profile) has a `.fingerprint` folder. */
async function isProfileDir(path: string): Promise<boolean> {
  return isDir(join(path, '.fingerprint'));
}

/**
 * The profile folders of a target directory: `target/<profile>` and, for cross builds,
 * `target/<triple>/<profile>`.
 */
export async function findProfiles(targetDir: string): Promise<string[]> {
  const profiles: string[] = [];
  let entries;
  try {
    entries = await readdir(targetDir, { withFileTypes: true });
  } catch {
    return profiles;
  }
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const dir = join(targetDir, entry.name);
    if (await isProfileDir(dir)) {
      profiles.push(dir);
      continue;
    }
    for (const sub of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (sub.isDirectory() && (await isProfileDir(join(dir, sub.name)))) profiles.push(join(dir, sub.name));
    }
  }
  return profiles.sort();
}

/** Bytes under a path, each inode counted once (cargo hard-links outputs into several places). */
class SizeCounter {
  private readonly seen = new Set<string>();
  async of(path: string): Promise<number> {
    let info;
    try {
      info = await lstat(path);
    } catch {
      return 0;
    }
    const id = `${info.dev}:${info.ino}`;
    let total = 0;
    if (!this.seen.has(id)) {
      this.seen.add(id);
      total += info.isDirectory() ? 0 : info.size;
    }
    if (info.isDirectory()) {
      for (const name of await readdir(path)) total += await this.of(join(path, name));
    }
    return total;
  }
}

/** The latest access or modification time of anything inside a fingerprint folder. */
async function lastUse(fingerprintDir: string): Promise<number> {
  let latest = 0;
  for (const name of await readdir(fingerprintDir).catch(() => [] as string[])) {
    const info = await stat(join(fingerprintDir, name)).catch(() => undefined);
    if (info) latest = Math.max(latest, info.atimeMs, info.mtimeMs);
  }
  return latest;
}

/**
 * Prunes a cargo target directory in place so that only what a later run can reuse is saved:
 * third-party crates' compiled units (`deps/`, `build/`, `.fingerprint/`). Dropped: the
 * workspace's own crates (a later run changes them anyway, and they are the big test binaries),
 * `incremental/` (only useful for workspace crates), uplifted binaries and other top-level files,
 * docs and packaging output, and — with `usedSince` — units this run did not use.
 *
 * Units are matched by their metadata hash, which cargo puts in the fingerprint folder name and in
 * every file of the unit, so a unit is kept or dropped as a whole: a fingerprint without its rlib
 * (or the reverse) would only make cargo rebuild it.
 */
export async function pruneCargoTarget(opts: PruneOptions, log: Logger): Promise<PruneReport> {
  const sizes = new SizeCounter();
  const report: PruneReport = {
    profiles: [],
    keptBytes: 0,
    removedBytes: 0,
    removed: { workspace: 0, incremental: 0, unused: 0, other: 0 },
    keptUnits: 0,
  };
  const drop = async (path: string, why: keyof PruneReport['removed']) => {
    const bytes = await sizes.of(path);
    await rm(path, { recursive: true, force: true });
    report.removed[why] += bytes;
    report.removedBytes += bytes;
  };

  const profiles = await findProfiles(opts.targetDir);
  const profileSet = new Set(profiles);
  // Everything in the target directory that is neither a profile nor on the way to one goes.
  for (const entry of await readdir(opts.targetDir, { withFileTypes: true }).catch(() => [])) {
    const path = join(opts.targetDir, entry.name);
    if (entry.name === 'CACHEDIR.TAG') continue;
    if (profileSet.has(path)) continue;
    const nested = profiles.filter((p) => p.startsWith(path + '/'));
    if (nested.length === 0) {
      await drop(path, 'other');
      continue;
    }
    for (const sub of await readdir(path)) {
      const subPath = join(path, sub);
      if (!profileSet.has(subPath)) await drop(subPath, 'other');
    }
  }

  const packages = new Set(opts.workspacePackages);
  const crates = new Set(opts.workspaceTargets.map((t) => t.replace(/-/g, '_')));
  for (const profile of profiles) {
    report.profiles.push(profile);
    // Classify every unit through its fingerprint folder.
    const fingerprints = join(profile, '.fingerprint');
    const workspaceUnits = new Set<string>();
    const thirdParty = new Map<string, number>();
    for (const name of await readdir(fingerprints).catch(() => [] as string[])) {
      const m = UNIT.exec(name);
      if (!m) continue;
      const [, pkg, hash] = m as unknown as [string, string, string];
      if (packages.has(pkg)) workspaceUnits.add(hash);
      else thirdParty.set(hash, opts.usedSince === undefined ? 0 : await lastUse(join(fingerprints, name)));
    }

    let useRule = opts.usedSince !== undefined;
    if (useRule) {
      const used = [...thirdParty.values()].filter((t) => t >= (opts.usedSince as number)).length;
      if (used === 0 && thirdParty.size > 0) {
        // Nothing read a single fingerprint: cargo did not run in this profile (or the file
        // system does not record reads). Keep the profile as it was rather than empty it.
        useRule = false;
        report.unusedRuleSkipped = `no unit in ${profile} was used in this run; kept them all`;
        log.info(`test-cache: ${report.unusedRuleSkipped}`);
      }
    }
    const keep = (hash: string) =>
      thirdParty.has(hash) && (!useRule || (thirdParty.get(hash) as number) >= (opts.usedSince as number));

    for (const dir of ['.fingerprint', 'build', 'deps']) {
      const base = join(profile, dir);
      for (const name of await readdir(base).catch(() => [] as string[])) {
        const path = join(base, name);
        const m = UNIT.exec(name);
        const hash = m?.[2];
        const stem = m?.[1] ?? '';
        const isWorkspace =
          (hash !== undefined && workspaceUnits.has(hash)) ||
          (dir === 'deps' && (crates.has(stem) || (stem.startsWith('lib') && crates.has(stem.slice(3))))) ||
          (dir !== 'deps' && packages.has(stem));
        if (isWorkspace) await drop(path, 'workspace');
        else if (hash === undefined || !thirdParty.has(hash)) await drop(path, 'other');
        else if (!keep(hash)) await drop(path, 'unused');
        else if (dir === '.fingerprint') report.keptUnits++;
      }
    }
    // After the units, so a workspace binary uplifted by a hard link counts as workspace.
    for (const name of await readdir(profile)) {
      if (!KEEP_IN_PROFILE.has(name))
        await drop(join(profile, name), name === 'incremental' ? 'incremental' : 'other');
    }
    report.keptBytes += await sizes.of(profile);
  }
  return report;
}

/**
 * Marks every restored fingerprint as not used yet: its access time is set just before the step
 * started (modification time kept). With the usual `relatime` mount option the kernel updates an
 * access time older than the change time on the next read, so whatever cargo reads during the job
 * shows a fresh access time when the post step prunes.
 */
export async function markFingerprintsUnused(targetDir: string, before: number): Promise<number> {
  let count = 0;
  const when = new Date(before - 2000);
  for (const profile of await findProfiles(targetDir)) {
    const fingerprints = join(profile, '.fingerprint');
    for (const unit of await readdir(fingerprints).catch(() => [] as string[])) {
      for (const name of await readdir(join(fingerprints, unit)).catch(() => [] as string[])) {
        const path = join(fingerprints, unit, name);
        const info = await stat(path).catch(() => undefined);
        if (!info?.isFile()) continue;
        await utimes(path, when, info.mtime);
        count++;
      }
    }
  }
  return count;
}

/**
 * Whether the file system under `dir` records reads in access times. `noatime` mounts (some
 * container and tmpfs set-ups) do not, and then "not used in this run" cannot be told apart from
 * "used", so the caller keeps every unit instead.
 */
export async function recordsAccessTimes(dir: string): Promise<boolean> {
  const probe = join(dir, `.slipway-atime-probe-${process.pid}`);
  try {
    await writeFile(probe, 'probe');
    const past = new Date(Date.now() - 3_600_000);
    await utimes(probe, past, past);
    await readFile(probe);
    return (await stat(probe)).atimeMs > past.getTime() + 1000;
  } catch {
    return false;
  } finally {
    await unlink(probe).catch(() => undefined);
  }
}
