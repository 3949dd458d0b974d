/**
 * Rebuilds dist/ from the sources and fails when it differs from the commit (changed, missing or
 * new untracked files): the committed bundle is what every `uses:` runs.
 */
import { execFileSync } from 'node:child_process';
import { repoRoot } from './lib/actions.ts';

execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], {
  cwd: repoRoot,
  stdio: 'inherit',
  env: { ...process.env, SLIPWAY_DIST: '' },
});
const status = execFileSync('git', ['status', '--porcelain', '--', 'dist'], {
  cwd: repoRoot,
  encoding: 'utf8',
});
if (status.trim()) {
  console.error(`dist/ does not match the sources; run npm run build and commit dist/:\n${status}`);
  const diff = execFileSync('git', ['diff', '--stat', '--', 'dist'], { cwd: repoRoot, encoding: 'utf8' });
  if (diff) console.error(diff);
  process.exit(1);
}
console.log('dist/ matches the sources');
