/**
 * Cold start of every action bundle: the time until it has validated its inputs and failed on a
 * bad or missing one, against bare `node -e 0`, under Node 24 as on the runners. Also the bytes
 * each start loads, and the size of dist/.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listActions, repoRoot } from '../scripts/lib/actions.ts';
import { node24, printTable, runChecked, timeInterleaved } from './lib/measure.ts';

const dist = process.env.SLIPWAY_DIST || join(repoRoot, 'dist');
const rounds = Number(process.env.BENCH_ROUNDS ?? 15);
const recorder = fileURLToPath(new URL('./lib/record-loads.mjs', import.meta.url));

/** Inputs that make each action stop at validation (actions without required inputs get a bad one). */
const badInputs: Record<string, Record<string, string>> = {
  'test-cache': { INPUT_ECOSYSTEM: 'cobol' },
};

const work = mkdtempSync(join(tmpdir(), 'slipway-bench-'));
const env = (name: string) => ({
  PATH: process.env.PATH ?? '',
  HOME: work,
  GITHUB_WORKSPACE: work,
  RUNNER_TEMP: work,
  GITHUB_OUTPUT: join(work, 'output'),
  GITHUB_STATE: join(work, 'state'),
  GITHUB_ENV: join(work, 'env'),
  ...badInputs[name],
});
for (const f of ['output', 'state', 'env']) writeFileSync(join(work, f), '');

const actions = listActions().map((a) => a.name);
const bundle = (name: string) => join(dist, name, 'index.js');
for (const name of actions) {
  const out = runChecked(node24, [bundle(name)], { env: env(name), expectExit: 1 });
  if (!out.includes('::error::')) throw new Error(`${name} did not stop on an input error:\n${out}`);
}

const medians = await timeInterleaved(
  [
    { name: 'node -e 0', run: () => void runChecked(node24, ['-e', '0']) },
    ...actions.map((name) => ({
      name,
      run: () => void runChecked(node24, [bundle(name)], { env: env(name), expectExit: 1 }),
    })),
  ],
  rounds,
);

function startBytes(name: string): number {
  const file = join(work, `loads-${name}`);
  runChecked(node24, ['--import', recorder, bundle(name)], {
    env: { ...env(name), SLIPWAY_RECORD_LOADS: file },
    expectExit: 1,
  });
  const files = new Set(readFileSync(file, 'utf8').split('\n').filter(Boolean));
  return [...files].reduce((sum, url) => sum + statSync(fileURLToPath(url)).size, 0);
}

const dirSize = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce(
    (sum, d) => sum + (d.isDirectory() ? dirSize(join(dir, d.name)) : statSync(join(dir, d.name)).size),
    0,
  );

const base = medians.get('node -e 0') ?? 1;
printTable(
  `Cold start to input validation, Node 24, median of ${rounds} interleaved rounds (target ≤ 1.5×)`,
  ['action', 'median ms', 'ratio to node -e 0', 'kB loaded at start'],
  [
    ['node -e 0', base, 1, '—'],
    ...actions.map((name) => [
      name,
      medians.get(name) ?? 0,
      (medians.get(name) ?? 0) / base,
      (startBytes(name) / 1000).toFixed(1),
    ]),
  ],
);
console.log(`\nwhole dist/: ${(dirSize(dist) / 1e6).toFixed(2)} MB (target ≤ 8 MB)`);
rmSync(work, { recursive: true, force: true });
