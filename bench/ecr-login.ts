/**
 * ecr-login against bare `node -e 0`, under Node 24 as on the runners: the full login (token from
 * moto + Docker config written), the post step (logout), the start until a bad input is rejected,
 * and for reference the AWS SDK path (credentials from a profile). Interleaved rounds; medians.
 * Targets (issue 3): full login ≤ 2.5×, input error ≤ 1.5×.
 *
 *   SLIPWAY_DIST=/tmp/dist npm run bench ecr-login     (BENCH_ROUNDS=N, default 25)
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMoto } from '@slipway/testbed';
import { repoRoot } from '../scripts/lib/actions.ts';
import { node24, printTable, runChecked, timeInterleaved } from './lib/measure.ts';

const dist = process.env.SLIPWAY_DIST || join(repoRoot, 'dist');
const bundle = join(dist, 'ecr-login', 'index.js');
const rounds = Number(process.env.BENCH_ROUNDS ?? 25);
const work = mkdtempSync(join(tmpdir(), 'slw-bench-login-'));
const moto = await startMoto({ logDir: work });

try {
  const files = {
    GITHUB_OUTPUT: join(work, 'output'),
    GITHUB_STATE: join(work, 'state'),
    GITHUB_ENV: join(work, 'env'),
  };
  for (const f of Object.values(files)) writeFileSync(f, '');
  writeFileSync(
    join(work, 'credentials'),
    '[bench]\naws_access_key_id = testing\naws_secret_access_key = testing\n',
  );
  writeFileSync(join(work, 'config'), '');
  const base = {
    PATH: process.env.PATH ?? '',
    HOME: work,
    RUNNER_TEMP: work,
    ...files,
    AWS_ENDPOINT_URL: moto.url,
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const envKeys = {
    ...base,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SESSION_TOKEN: 'bench',
  };
  const profile = {
    ...base,
    AWS_PROFILE: 'bench',
    AWS_SHARED_CREDENTIALS_FILE: join(work, 'credentials'),
    AWS_CONFIG_FILE: join(work, 'config'),
  };
  const badInput = { ...envKeys, INPUT_REGION: 'mars-north-1x' };

  // Each contender must do what it is timed for before it is timed.
  const login = runChecked(node24, [bundle], { env: envKeys });
  if (!/Logged in to 123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com/.test(login)) {
    throw new Error(`the login did not happen:\n${login}`);
  }
  const state = /^\{"config".*$/m.exec(readFileSync(files.GITHUB_STATE, 'utf8'))?.[0];
  if (!state) throw new Error('the login saved no state for its post step');
  const postEnv = { ...envKeys, STATE_isPost: 'true', 'STATE_logged-in': state };
  if (!runChecked(node24, [bundle], { env: postEnv }).includes('Logged out of')) throw new Error('no logout');
  if (!runChecked(node24, [bundle], { env: profile }).includes('Logged in to'))
    throw new Error('no SDK login');
  if (
    !runChecked(node24, [bundle], { env: badInput, expectExit: 1 }).includes(
      '::error::ecr-login: input region',
    )
  ) {
    throw new Error('the bad region was not rejected');
  }

  const medians = await timeInterleaved(
    [
      { name: 'node -e 0', run: () => void runChecked(node24, ['-e', '0']) },
      {
        name: 'login (env keys, SDK signer)',
        run: () => void runChecked(node24, [bundle], { env: envKeys }),
      },
      { name: 'post step (logout)', run: () => void runChecked(node24, [bundle], { env: postEnv }) },
      {
        name: 'input error (bad region)',
        run: () => void runChecked(node24, [bundle], { env: badInput, expectExit: 1 }),
      },
      {
        name: 'login (profile, SDK ECRClient)',
        run: () => void runChecked(node24, [bundle], { env: profile }),
      },
    ],
    rounds,
  );
  const baseline = medians.get('node -e 0') ?? 1;
  const targets: Record<string, string> = {
    'login (env keys, SDK signer)': '≤ 2.5',
    'input error (bad region)': '≤ 1.5',
  };
  printTable(
    `ecr-login, Node 24, median of ${rounds} interleaved rounds, against moto`,
    ['run', 'median ms', 'ratio to node -e 0', 'target'],
    [...medians].map(([name, ms]) => [name, ms, ms / baseline, targets[name] ?? '—']),
  );
} finally {
  await moto.stop();
  rmSync(work, { recursive: true, force: true });
}
