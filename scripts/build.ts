/**
 * Builds every action into one shared ncc bundle with a lazily loaded chunk per action, plus a
 * tiny `dist/<name>/index.js` per action. Every `uses:` of any Slipway action downloads the whole
 * repository, so one bundle with no dependency copied twice keeps that download small, and each
 * start loads only the entry and its own chunk.
 *
 *   npm run build                    all actions into dist/
 *   npm run build -- --only a,b      only these actions (development)
 *   SLIPWAY_DIST=/tmp/x npm run build  another output folder (parallel work, tests)
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { listActions, repoRoot } from './lib/actions.ts';
import { buildBundle } from './lib/bundle.ts';

const root = repoRoot;
const outDir = resolve(process.env.SLIPWAY_DIST || join(root, 'dist'));
const onlyArg = process.argv.indexOf('--only');
const only = onlyArg > 0 ? (process.argv[onlyArg + 1] ?? '').split(',').filter(Boolean) : undefined;

const actions = listActions().filter((a) => !only || only.includes(a.name));
if (only && actions.length !== only.length) {
  throw new Error(
    `unknown action in --only ${only.join(',')}; known: ${listActions()
      .map((a) => a.name)
      .join(', ')}`,
  );
}

await buildBundle(actions, outDir);

const size = (dir: string): number =>
  readdirSync(dir).reduce((sum, f) => {
    const p = join(dir, f);
    return sum + (statSync(p).isDirectory() ? size(p) : statSync(p).size);
  }, 0);
if (existsSync(outDir)) {
  console.log(
    `built ${actions.map((a) => a.name).join(', ')} into ${relative(root, outDir) || outDir} (${(size(outDir) / 1e6).toFixed(2)} MB)`,
  );
}
