import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Deadline,
  formatDuration,
  readJsonPointer,
  sameRevision,
  unhealthyResources,
  withoutCommandEchoes,
} from '@slipway/release';

describe('readJsonPointer (RFC 6901)', () => {
  const doc = { build: { version: '1.4.2', 'a/b': 1, 'm~n': 2 }, list: ['x', 'y'], '': 'empty key' };
  it('follows objects and arrays, with ~1 and ~0 escapes', () => {
    assert.equal(readJsonPointer(doc, '/build/version'), '1.4.2');
    assert.equal(readJsonPointer(doc, '/build/a~1b'), 1);
    assert.equal(readJsonPointer(doc, '/build/m~0n'), 2);
    assert.equal(readJsonPointer(doc, '/list/1'), 'y');
    assert.equal(readJsonPointer(doc, '/'), 'empty key');
    assert.deepEqual(readJsonPointer(doc, ''), doc);
  });
  it('is undefined for a missing step, and does not read inherited properties', () => {
    assert.equal(readJsonPointer(doc, '/build/commit'), undefined);
    assert.equal(readJsonPointer(doc, '/list/7'), undefined);
    assert.equal(readJsonPointer(doc, '/build/toString'), undefined);
  });
});

describe('withoutCommandEchoes', () => {
  it("shortens CodeBuild's echo of a failed multi-line command to one line and keeps the rest", () => {
    const lines = [
      'error: timed out waiting for the condition',
      '[Container] 2026/01/01 10:00:00.000 Command did not exit successfully (',
      '  set -euo pipefail',
      '  exit 1',
      ') exit status 1',
      '[Container] 2026/01/01 10:00:00.001 Phase complete: BUILD State: FAILED',
    ];
    assert.deepEqual(withoutCommandEchoes(lines), [
      'error: timed out waiting for the condition',
      '[Container] 2026/01/01 10:00:00.000 Command did not exit successfully (the command above) exit status 1',
      '[Container] 2026/01/01 10:00:00.001 Phase complete: BUILD State: FAILED',
    ]);
  });
  it('drops the start echo of the failed command when it is in the tail', () => {
    const lines = [
      '[Container] t1 Running command (',
      '  set -euo pipefail',
      '  kubectl rollout status deployment.apps/shop',
      ')',
      'error: timed out waiting for the condition',
      '[Container] t2 Command did not exit successfully (',
      '  set -euo pipefail',
      '  kubectl rollout status deployment.apps/shop',
      ') exit status 1',
    ];
    assert.deepEqual(withoutCommandEchoes(lines), [
      '[Container] t1 Running command (',
      'error: timed out waiting for the condition',
      '[Container] t2 Command did not exit successfully (the command above) exit status 1',
    ]);
  });
  it('leaves a one-line echo and an unterminated one alone', () => {
    const one = ['[Container] t Command did not exit successfully make exit status 2'];
    assert.deepEqual(withoutCommandEchoes(one), one);
    const cut = ['[Container] t Command did not exit successfully (', '  make'];
    assert.deepEqual(withoutCommandEchoes(cut), cut);
  });
});

describe('sameRevision', () => {
  const sha = '8f3c2a1b9d7e6f5a4c3b2a1908f7e6d5c4b3a291';
  it('matches equal and abbreviated commits (7+ hex digits), case-insensitively', () => {
    assert.ok(sameRevision(sha, sha));
    assert.ok(sameRevision(sha.toUpperCase(), sha));
    assert.ok(sameRevision('8f3c2a1', sha));
    assert.ok(sameRevision(sha, '8f3c2a1b'));
  });
  it('does not match short prefixes, other commits, or nothing', () => {
    assert.ok(!sameRevision('8f3c2a', sha));
    assert.ok(!sameRevision('1111111', sha));
    assert.ok(!sameRevision(undefined, sha));
    assert.ok(!sameRevision('main', 'main-2'));
  });
});

describe('unhealthyResources', () => {
  it('lists resources that are not Healthy and resources whose sync failed, with messages', () => {
    const lines = unhealthyResources({
      status: {
        resources: [
          {
            kind: 'Deployment',
            namespace: 'shop',
            name: 'shop',
            health: { status: 'Degraded', message: 'deadline exceeded' },
          },
          { kind: 'Service', namespace: 'shop', name: 'shop', health: { status: 'Healthy' } },
          { kind: 'ConfigMap', namespace: 'shop', name: 'cfg' },
        ],
        operationState: {
          syncResult: {
            resources: [{ kind: 'Job', name: 'migrate', status: 'SyncFailed', message: 'denied' }],
          },
        },
      },
    });
    assert.deepEqual(lines, [
      'Deployment/shop/shop: Degraded — deadline exceeded',
      'Job/migrate: sync SyncFailed — denied',
    ]);
  });
});

describe('Deadline', () => {
  it('sleeps one interval, or only until the deadline when that comes first', async () => {
    let now = 1000;
    const slept: number[] = [];
    const clock = { now: () => now, sleep: async (ms: number) => void (slept.push(ms), (now += ms)) };
    const d = new Deadline(clock, 2500);
    await d.wait(1000);
    await d.wait(1000);
    assert.ok(!d.passed());
    await d.wait(1000);
    assert.ok(d.passed());
    await d.wait(1000);
    assert.deepEqual(slept, [1000, 1000, 500]);
  });
});

describe('formatDuration', () => {
  it('shows tenths below 10 s and minutes and hours above', () => {
    assert.equal(formatDuration(1400), '1.4s');
    assert.equal(formatDuration(2000), '2s');
    assert.equal(formatDuration(94_000), '1m 34s');
    assert.equal(formatDuration(3_720_000), '1h 2m');
  });
});
