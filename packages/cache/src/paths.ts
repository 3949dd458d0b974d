import { homedir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

/** True when `path` is `dir` itself or lies below it (both absolute). */
export function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** The home directory the runner gave this job (HOME), falling back to the OS account's. */
export function homeDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.HOME || homedir();
}

/** Expands a leading `~` and resolves a relative path against `base`. */
export function resolveUserPath(path: string, base: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  return resolve(base, path);
}

/**
 * The form in which a path is handed to `@actions/cache`. The library hashes the path strings
 * into the entry's version, so a path must be written the same way on every runner for an entry
 * to be found again: workspace paths stay relative, home paths start with `~` (the library's glob
 * expands it), anything else stays absolute.
 */
export function toCachePattern(path: string, workspace: string, home: string): string {
  if (isInside(path, workspace)) return relative(workspace, path).split(sep).join('/') || '.';
  if (isInside(path, home)) {
    const rel = relative(home, path).split(sep).join('/');
    return rel ? `~/${rel}` : '~';
  }
  return path;
}

/** The absolute path a cache pattern stands for (inverse of {@link toCachePattern}). */
export function fromCachePattern(pattern: string, workspace: string, home: string): string {
  return resolveUserPath(pattern, workspace, home);
}

/** True when the pattern uses glob syntax, so it cannot be checked for existence up front. */
export function isGlob(pattern: string): boolean {
  return /[*?[\]{}]/.test(pattern) || pattern.startsWith('!');
}
