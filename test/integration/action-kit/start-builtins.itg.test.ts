// The cold-start budget, held as what a start loads rather than how long it takes: every built
// action stops on a bad input before it has loaded any of Node's heavy built-in modules (hashing,
// streams, networking, processes, compression). One of them at start costs more than a whole
// start's margin; ecr-push once loaded node:crypto and node:stream for a digest check.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { runActionStep } from '@slipway/testbed';
import { listActions } from '../../../scripts/lib/actions.ts';

const HEAVY = [
  'crypto',
  'stream',
  'http',
  'https',
  'http2',
  'net',
  'tls',
  'dns',
  'child_process',
  'zlib',
  'worker_threads',
  'string_decoder',
];

/** Inputs that stop each action at validation (most stop on a missing required input). */
const BAD: Record<string, Record<string, string>> = {
  'test-cache': { ecosystem: 'cobol' },
};

let hook: string;
before(() => {
  const dir = mkdtempSync(join(tmpdir(), 'slw-start-builtins-'));
  hook = join(dir, 'record-builtins.cjs');
  writeFileSync(
    hook,
    `process.on('exit', () => {
  const builtins = process.moduleLoadList
    .filter((m) => m.startsWith('NativeModule '))
    .map((m) => m.slice('NativeModule '.length));
  require('node:fs').writeFileSync(process.env.SLW_BUILTINS, builtins.join('\\n'));
});
`,
  );
});

describe('every action at start', () => {
  for (const { name } of listActions()) {
    it(`${name}: a bad input fails before any heavy built-in module is loaded`, async () => {
      const out = join(mkdtempSync(join(tmpdir(), 'slw-start-builtins-')), 'builtins');
      const run = await runActionStep(name, {
        inputs: BAD[name] ?? {},
        post: false,
        env: { NODE_OPTIONS: `--require ${hook}`, SLW_BUILTINS: out },
      });
      assert.equal(run.exitCode, 1, run.output);
      assert.match(run.output, /::error::/);
      const loaded = new Set(readFileSync(out, 'utf8').split('\n'));
      assert.ok(loaded.has('fs'), 'the hook recorded the run');
      assert.deepEqual(
        HEAVY.filter((m) => loaded.has(m)),
        [],
      );
    });
  }
});
