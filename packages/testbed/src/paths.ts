import { execFileSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the repository root (this file lives in packages/testbed/src). */
export const repoRoot: string = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');

/**
 * Creates a fresh directory with a short absolute path (`/tmp/slw-XXXXXX`).
 *
 * Unix socket paths are limited to 108 bytes; CI clones into deep paths, so sockets and dockerd's
 * exec-root (where containerd puts its sockets) must never live under the repository.
 * `/tmp` is used literally because `os.tmpdir()` may itself be long.
 */
export function shortTempDir(): string {
  return mkdtempSync('/tmp/slw-');
}

/** Finds an executable on PATH (like `command -v`); undefined when it is not installed. */
export function findExecutable(name: string, searchPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of searchPath.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/**
 * Lazily unmounts everything mounted at or below `dir`, deepest first. dockerd bind-mounts its
 * data-root onto itself and leaves it mounted when it dies early, which would make `rm -rf` fail.
 */
export function unmountUnder(dir: string): void {
  let mountInfo: string;
  try {
    mountInfo = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return; // no /proc: nothing mounted by us either
  }
  const points = mountInfo
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((point) => point === dir || point.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const point of points) {
    try {
      execFileSync('umount', ['-l', point], { stdio: 'ignore' });
    } catch {
      // already gone, or not ours to unmount
    }
  }
}
