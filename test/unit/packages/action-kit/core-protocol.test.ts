import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  ActionError,
  appendSummary,
  branchOf,
  formatBytes,
  formatDuration,
  issueCommand,
  log,
  runAction,
  setSecret,
} from '@slipway/action-kit';

/** Runs `fn` and returns what it wrote to stdout (the runner reads workflow commands there). */
async function stdoutOf(fn: () => unknown): Promise<string> {
  const original = process.stdout.write;
  let text = '';
  // core writes strings; the test runner's own reports to its parent are binary and pass on.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (typeof chunk !== 'string')
      return (original as (...a: unknown[]) => boolean).call(process.stdout, chunk, ...rest);
    text += chunk;
    return true;
  }) as typeof process.stdout.write;
  try {
    await fn();
  } finally {
    process.stdout.write = original;
  }
  return text;
}

describe('the runner protocol through @actions/core', () => {
  const saved = { ...process.env };
  const savedExitCode = process.exitCode;
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kit-core-'));
    for (const f of ['output', 'state', 'summary']) writeFileSync(join(dir, f), '');
    process.env.GITHUB_OUTPUT = join(dir, 'output');
    process.env.GITHUB_STATE = join(dir, 'state');
    process.env.GITHUB_STEP_SUMMARY = join(dir, 'summary');
  });
  afterEach(() => {
    process.env = { ...saved };
    process.exitCode = savedExitCode;
  });

  it('masks a multi-line secret whole and line by line', async () => {
    const out = await stdoutOf(() => setSecret('first line\nsecond line'));
    assert.deepEqual(out.trim().split('\n'), [
      '::add-mask::first line%0Asecond line',
      '::add-mask::first line',
      '::add-mask::second line',
    ]);
  });

  it('writes annotations with their file position, escaped', async () => {
    const out = await stdoutOf(() => {
      log.warning('50% done, a: b', { file: 'k8s/app.yaml', startLine: 3, startColumn: 7, title: 'x,y' });
      issueCommand('error', 'bad\nvalue', { file: 'a.ts', line: 2 });
    });
    assert.deepEqual(out.trim().split('\n'), [
      '::warning title=x%2Cy,file=k8s/app.yaml,line=3,col=7::50%25 done, a: b',
      '::error file=a.ts,line=2::bad%0Avalue',
    ]);
  });

  it('refuses workflow commands it has no @actions/core function for', () => {
    assert.throws(() => issueCommand('set-env', 'x', { name: 'Y' }), /unsupported workflow command set-env/);
  });

  it('fails the step with one error line and waits for summary writes first', async () => {
    const out = await stdoutOf(() =>
      runAction('kit-test', {
        main: async () => {
          void appendSummary('### written before the step ends');
          throw new ActionError('the registry refused the push; grant ecr:PutImage');
        },
      }),
    );
    assert.equal(out, '::error::kit-test: the registry refused the push; grant ecr:PutImage\n');
    assert.equal(process.exitCode, 1);
    assert.equal(readFileSync(join(dir, 'summary'), 'utf8'), '### written before the step ends\n');
  });

  it('leaves the exit code alone when the step succeeds', async () => {
    process.exitCode = undefined;
    await stdoutOf(() => runAction('kit-test', { main: async () => {} }));
    assert.equal(process.exitCode, undefined);
  });
});

describe('one style for sizes, durations and branches', () => {
  it('prints sizes in decimal units with one decimal', () => {
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(999), '999 B');
    assert.equal(formatBytes(1000), '1.0 kB');
    assert.equal(formatBytes(1_234_567), '1.2 MB');
    assert.equal(formatBytes(999_999), '1.0 MB');
    assert.equal(formatBytes(3.5e9), '3.5 GB');
  });

  it('prints durations compactly: milliseconds, tenths under ten seconds, whole units above', () => {
    assert.equal(formatDuration(42.4), '42ms');
    assert.equal(formatDuration(999.6), '1s');
    assert.equal(formatDuration(4200), '4.2s');
    assert.equal(formatDuration(2000), '2s');
    assert.equal(formatDuration(9960), '10s');
    assert.equal(formatDuration(2 * 86_400_000 + 3 * 3_600_000), '2d 3h');
    assert.equal(formatDuration(45_000), '45s');
    assert.equal(formatDuration(125_000), '2m 5s');
    assert.equal(formatDuration(3_840_000), '1h 4m');
    assert.equal(formatDuration(-5), '0s');
  });

  it('names the branch of a branch ref only', () => {
    assert.equal(branchOf('refs/heads/release/1.x'), 'release/1.x');
    assert.equal(branchOf('refs/tags/v1'), undefined);
    assert.equal(branchOf('refs/pull/3/merge'), undefined);
    assert.equal(branchOf(undefined), undefined);
  });
});
