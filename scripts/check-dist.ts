/**
 * Rebuilds dist/ from the sources and fails when it differs from the commit (changed, missing or
 * new untracked files): the committed bundle is what every `uses:` runs. CI runs it on every pull
 * request, Dependabot's included, so a dependency update cannot land without its rebuilt bundle.
 */
import { execFileSync } from 'node:child_process';
import { repoRoot } from './lib/actions.ts';
import { distChanges, staleDistMessage } from './lib/dist-status.ts';

execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], {
  cwd: repoRoot,
  stdio: 'inherit',
  env: { ...process.env, SLIPWAY_DIST: '' },
});
const changes = distChanges(repoRoot);
if (changes.length > 0) {
  const message = staleDistMessage(changes);
  if (process.env.GITHUB_ACTIONS === 'true')
    console.log(`::error title=check-dist::${message.split('\n')[0]}`);
  console.error(message);
  const diff = execFileSync('git', ['diff', '--stat', '--', 'dist'], { cwd: repoRoot, encoding: 'utf8' });
  if (diff) console.error(diff);
  process.exit(1);
}
console.log('dist/ matches the sources');
