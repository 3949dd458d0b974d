import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { repoRoot } from './paths.ts';

/** How many run directories `.testbed/` keeps (logs of the last runs, for failed tests). */
export const KEEP_RUNS = 5;

/** One test-bed run's directory: `.testbed/run-<timestamp>-<rand>/` with `logs/` inside. */
export interface RunDir {
  dir: string;
  logDir: string;
}

let active: RunDir | undefined;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes all but the newest runs, sparing any whose owner process is still running. */
function pruneRuns(base: string): void {
  const runs = readdirSync(base)
    .filter((name) => name.startsWith('run-'))
    .sort()
    .reverse();
  for (const name of runs.slice(KEEP_RUNS)) {
    const dir = join(base, name);
    const pidFile = join(dir, 'owner.pid');
    const owner = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : 0;
    if (owner && owner !== process.pid && isAlive(owner)) continue;
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Creates a new run directory under `.testbed/` (or `$SLIPWAY_TESTBED_HOME`) and makes it the
 * current one. `.testbed/` ignores itself in git, so nothing here is ever committed.
 */
export function createRunDir(base = process.env.SLIPWAY_TESTBED_HOME ?? join(repoRoot, '.testbed')): RunDir {
  mkdirSync(base, { recursive: true });
  writeFileSync(join(base, '.gitignore'), '*\n');
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  const dir = join(base, `run-${stamp}-${randomBytes(3).toString('hex')}`);
  const logDir = join(dir, 'logs');
  mkdirSync(logDir, { recursive: true });
  writeFileSync(join(dir, 'owner.pid'), String(process.pid));
  pruneRuns(base);
  active = { dir, logDir };
  return active;
}

/**
 * The log directory of the current run: the one this process created, else the one the global
 * setup published in `SLIPWAY_TESTBED`, else a new run directory.
 */
export function currentLogDir(): string {
  if (active) return active.logDir;
  const published = process.env.SLIPWAY_TESTBED;
  if (published) {
    try {
      const logDir = (JSON.parse(published) as { logDir?: unknown }).logDir;
      if (typeof logDir === 'string' && existsSync(logDir)) return logDir;
    } catch {
      // fall through to a fresh run directory
    }
  }
  return createRunDir().logDir;
}

/** `<dir>/<base>.log`, or `<base>-2.log`, `<base>-3.log`… when taken. */
export function uniqueLogFile(dir: string, base: string): string {
  for (let n = 1; ; n++) {
    const file = join(dir, n === 1 ? `${base}.log` : `${base}-${n}.log`);
    if (!existsSync(file)) {
      writeFileSync(file, '');
      return file;
    }
  }
}
