/**
 * Whether the committed bundle in dist/ is what the sources build: the one test shared by
 * `npm run check-dist` (after a rebuild) and `scripts/release.ts check` (before tagging). Builtins
 * only, so the release job can run it with plain `node`, without installing dependencies.
 */
import { execFileSync } from 'node:child_process';

/** The first line of every stale-dist failure: what is wrong and the fix. */
export const STALE_DIST = 'dist/ is stale: run npm run build and commit dist/';

/**
 * The changed, deleted and untracked files under dist/ in the work tree of `cwd`, one
 * `git status --porcelain` line each; empty when dist/ matches the commit.
 */
export function distChanges(cwd: string): string[] {
  const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=all', '--', 'dist'], {
    cwd,
    encoding: 'utf8',
  });
  return status.split('\n').filter((line) => line.trim() !== '');
}

/** The failure message for a stale dist/, naming at most `limit` of the files that differ. */
export function staleDistMessage(changes: string[], limit = 20): string {
  const shown = changes.slice(0, limit).map((line) => `  ${line}`);
  if (changes.length > limit) shown.push(`  … and ${changes.length - limit} more`);
  return [STALE_DIST, ...shown].join('\n');
}
