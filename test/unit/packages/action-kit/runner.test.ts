import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  defineState,
  exportVariable,
  markdownTable,
  setOutputs,
  withRetry,
  isTransientNetworkError,
  appendSummary,
} from '@slipway/action-kit';

/** Parses a runner command file the way the runner does (heredoc blocks). */
function parseCommandFile(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i] ?? '');
    if (!m) continue;
    const [, name, delimiter] = m;
    const value: string[] = [];
    while (lines[++i] !== delimiter) value.push(lines[i] ?? '');
    result[name as string] = value.join('\n');
  }
  return result;
}

describe('runner command files', () => {
  const saved = { ...process.env };
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kit-'));
    for (const f of ['output', 'state', 'env', 'summary']) writeFileSync(join(dir, f), '');
    process.env.GITHUB_OUTPUT = join(dir, 'output');
    process.env.GITHUB_STATE = join(dir, 'state');
    process.env.GITHUB_ENV = join(dir, 'env');
    process.env.GITHUB_STEP_SUMMARY = join(dir, 'summary');
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  it('writes outputs as heredoc blocks that keep newlines and skip undefined values', () => {
    setOutputs({ digest: 'sha256:abc', notes: 'one\ntwo', count: 3, flag: false, missing: undefined });
    assert.deepEqual(parseCommandFile(readFileSync(join(dir, 'output'), 'utf8')), {
      digest: 'sha256:abc',
      notes: 'one\ntwo',
      count: '3',
      flag: 'false',
    });
  });

  it('round-trips typed state as JSON through STATE_ variables', () => {
    const slot = defineState<{ hosts: string[] }>('logged-in');
    slot.set({ hosts: ['a.example', 'b.example'] });
    const state = parseCommandFile(readFileSync(join(dir, 'state'), 'utf8'));
    process.env['STATE_logged-in'] = state['logged-in'];
    assert.deepEqual(slot.get(), { hosts: ['a.example', 'b.example'] });
    assert.equal(defineState('never-set').get(), undefined);
  });

  it('exports variables to the file and to this process', () => {
    exportVariable('SLIPWAY_TEST_VAR', 'v1');
    assert.equal(process.env.SLIPWAY_TEST_VAR, 'v1');
    assert.deepEqual(parseCommandFile(readFileSync(join(dir, 'env'), 'utf8')), { SLIPWAY_TEST_VAR: 'v1' });
  });

  it('escapes pipes and newlines in summary tables', async () => {
    await appendSummary(markdownTable(['a', 'b'], [['x|y', 'line\nbreak']]));
    assert.equal(
      readFileSync(join(dir, 'summary'), 'utf8'),
      '| a | b |\n| --- | --- |\n| x\\|y | line<br>break |\n',
    );
  });
});

describe('withRetry', () => {
  it('retries what is transient up to the bound, then throws the last error', async () => {
    let calls = 0;
    await assert.rejects(
      withRetry(
        async () => {
          calls++;
          throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
        },
        { attempts: 3, baseDelayMs: 1, retryable: isTransientNetworkError },
      ),
      /reset/,
    );
    assert.equal(calls, 3);
  });

  it('does not retry what is not transient', async () => {
    let calls = 0;
    await assert.rejects(
      withRetry(
        async () => {
          calls++;
          throw new Error('AccessDenied');
        },
        { attempts: 5, baseDelayMs: 1, retryable: isTransientNetworkError },
      ),
    );
    assert.equal(calls, 1);
  });

  it('waits what the server asked and returns the first success', async () => {
    let calls = 0;
    const waits: number[] = [];
    const value = await withRetry(
      async (attempt) => {
        calls++;
        if (attempt < 2) throw new Error('429');
        return 'ok';
      },
      {
        baseDelayMs: 1,
        retryable: () => ({ afterMs: 120 }),
        sleep: async (ms) => {
          waits.push(ms);
        },
      },
    );
    assert.equal(value, 'ok');
    assert.equal(calls, 2);
    assert.deepEqual(waits, [120], 'one wait, of exactly what the server asked');
  });

  it('backs off exponentially within the bounds between attempts', async () => {
    const waits: number[] = [];
    await assert.rejects(
      withRetry(
        async () => {
          throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
        },
        {
          attempts: 4,
          baseDelayMs: 100,
          maxDelayMs: 300,
          retryable: isTransientNetworkError,
          sleep: async (ms) => {
            waits.push(ms);
          },
        },
      ),
      /reset/,
    );
    assert.equal(waits.length, 3, 'a wait between each of the 4 attempts, none after the last');
    // 100, 200, then 400 capped at 300 — each with ±25% jitter.
    for (const [i, nominal] of [100, 200, 300].entries()) {
      const wait = waits[i] ?? -1;
      assert.ok(wait >= nominal * 0.75 && wait <= nominal * 1.25, `wait ${i + 1} was ${wait} ms`);
    }
  });

  it('recognises dropped connections, also when wrapped as a cause', () => {
    assert.ok(isTransientNetworkError(Object.assign(new Error('x'), { code: 'EPIPE' })));
    assert.ok(
      isTransientNetworkError(
        new Error('fetch failed', { cause: Object.assign(new Error('y'), { code: 'UND_ERR_SOCKET' }) }),
      ),
    );
    assert.ok(isTransientNetworkError(new Error('socket hang up')));
    assert.ok(!isTransientNetworkError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })));
    assert.ok(!isTransientNetworkError(undefined));
  });
});
