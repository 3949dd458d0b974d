import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Ecosystem } from './kinds.ts';

export type { Ecosystem } from './kinds.ts';
export { ECOSYSTEMS } from './kinds.ts';

/** A lockfile found in the workspace. */
export interface Lockfile {
  /** Workspace-relative, `/`-separated. */
  path: string;
  ecosystem: Ecosystem;
  /** For Node, the package manager the lockfile belongs to. */
  packageManager?: 'npm' | 'pnpm' | 'yarn';
}

/** Which ecosystem (and package manager) a file name is the lockfile of, if any. */
export function classifyLockfile(name: string): Omit<Lockfile, 'path'> | undefined {
  switch (name) {
    case 'Cargo.lock':
      return { ecosystem: 'rust' };
    case 'package-lock.json':
    case 'npm-shrinkwrap.json':
      return { ecosystem: 'node', packageManager: 'npm' };
    case 'pnpm-lock.yaml':
      return { ecosystem: 'node', packageManager: 'pnpm' };
    case 'yarn.lock':
      return { ecosystem: 'node', packageManager: 'yarn' };
    case 'go.sum':
      return { ecosystem: 'go' };
    case 'poetry.lock':
    case 'Pipfile.lock':
    case 'uv.lock':
      return { ecosystem: 'python' };
    default:
      return /^requirements.*\.txt$/.test(name) ? { ecosystem: 'python' } : undefined;
  }
}

/**
 * Folders never searched: installed dependencies and build output hold other projects' lockfiles
 * (every package in node_modules may ship one), and hidden folders are tool state.
 */
const SKIPPED_DIRS = new Set(['node_modules', 'target', 'vendor', 'dist', 'build', '__pycache__', 'venv']);

/**
 * Finds lockfiles in the workspace root and up to `maxDepth - 1` folders below it (monorepos keep
 * e.g. `web/package-lock.json`), sorted by path so the hash does not depend on directory order.
 */
export async function findLockfiles(workspace: string, maxDepth = 3): Promise<Lockfile[]> {
  const found: Lockfile[] = [];
  async function walk(dir: string, rel: string, depth: number): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isFile()) {
        const kind = classifyLockfile(entry.name);
        if (kind) found.push({ path, ...kind });
      } else if (
        entry.isDirectory() &&
        depth + 1 < maxDepth &&
        !entry.name.startsWith('.') &&
        !SKIPPED_DIRS.has(entry.name)
      ) {
        await walk(join(dir, entry.name), path, depth + 1);
      }
    }
  }
  await walk(workspace, '', 0);
  return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * A hash of the lockfiles' paths and contents: the part of the key that changes when the
 * dependencies do. Paths count too, so moving a lockfile starts a new entry.
 */
export async function hashLockfiles(workspace: string, paths: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const path of [...paths].sort()) {
    hash.update(path).update('\0');
    hash.update(await readFile(join(workspace, path))).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}
