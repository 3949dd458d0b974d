// The runner harness and action-kit, proven together through a real bundle of a tiny fixture
// action built by the same code as dist/ (scripts/lib/bundle.ts).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runActionStep, type ActionRun } from '@slipway/testbed';
import { repoRoot } from '../../../scripts/lib/actions.ts';
import { buildBundle } from '../../../scripts/lib/bundle.ts';

const fixture = join(repoRoot, 'test/fixtures/kit-fixture');
let dist = '';

const run = (inputs: Record<string, string>, nodeVersion: 20 | 24 = 24): Promise<ActionRun> =>
  runActionStep('kit-fixture', {
    inputs,
    nodeVersion,
    actionYml: join(fixture, 'action.yml'),
    bundle: join(dist, 'kit-fixture', 'index.js'),
  });

const errorLines = (r: ActionRun) => r.stdout.split('\n').filter((l) => l.startsWith('::error'));

describe('action-kit through a bundled fixture action', () => {
  before(async () => {
    dist = mkdtempSync(join(tmpdir(), 'kit-fixture-dist-'));
    await buildBundle([{ name: 'kit-fixture', mainSource: join(fixture, 'main.ts') }], dist);
  });
  after(() => rmSync(dist, { recursive: true, force: true }));

  it('a bad input exits 1 with one ::error:: line naming the input and the accepted form, no stack', async () => {
    const r = await run({ greeting: 'hi', count: '9' });
    assert.equal(r.exitCode, 1);
    assert.deepEqual(errorLines(r), [
      '::error::kit-fixture: input count: "9" is not valid; use a whole number from 1 to 5',
    ]);
    assert.doesNotMatch(r.output, /\n\s+at /, 'no stack trace');
    assert.deepEqual(r.outputs, {}, 'nothing written before validation failed');
    assert.equal(r.summary, '');
  });

  it('a missing required input is named', async () => {
    const r = await run({});
    assert.equal(r.exitCode, 1);
    assert.deepEqual(errorLines(r), ['::error::kit-fixture: input greeting: is required and was not given']);
  });

  it('outputs, state from main to post, and the summary round-trip, under Node 24 and Node 20', async () => {
    for (const nodeVersion of [24, 20] as const) {
      const r = await run({ greeting: 'hello', count: '3' }, nodeVersion);
      assert.equal(r.exitCode, 0, r.output);
      assert.equal(r.outputs.message, 'hello hello hello');
      assert.equal(r.outputs.multiline, 'line one\nline two');
      assert.equal(r.summary, '| greeting | count |\n| --- | --- |\n| hello | 3 |\n');
      assert.ok(r.post, 'the post step ran');
      assert.equal(r.post.exitCode, 0);
      assert.match(r.post.stdout, /post sees hello x3/);
    }
  });

  it('a value passed to setSecret is masked before anything prints it', async () => {
    const secret = 'kit-fixture-secret-5f3a9c';
    const r = await run({ greeting: 'hi', secret });
    assert.equal(r.exitCode, 0, r.output);
    const lines = r.stdout.split('\n');
    const maskAt = lines.indexOf(`::add-mask::${secret}`);
    const firstUse = lines.findIndex((l) => l.includes(secret));
    assert.ok(maskAt >= 0 && maskAt === firstUse, 'registered with ::add-mask:: before its first use');
    // What the runner shows after masking, files included, holds no trace of it.
    const shown = [r.stdout, r.stderr, ...Object.values(r.commandFiles), r.post?.stdout ?? '']
      .join('\n')
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .map((l) => l.replaceAll(secret, '***'))
      .join('\n');
    assert.ok(!shown.includes(secret));
    assert.ok(!Object.values(r.state).some((v) => v.includes(secret)), 'never saved in state');
  });

  it('an expected failure prints its message alone; a bug says so and keeps the stack for the debug log', async () => {
    const expected = await run({ greeting: 'hi', 'fail-with': 'action' });
    assert.equal(expected.exitCode, 1);
    assert.deepEqual(errorLines(expected), [
      '::error::kit-fixture: the registry refused the upload: grant ecr:PutImage',
    ]);
    const bug = await run({ greeting: 'hi', 'fail-with': 'bug' });
    assert.equal(bug.exitCode, 1);
    const [line] = errorLines(bug);
    assert.match(
      line ?? '',
      /^::error::kit-fixture failed unexpectedly in its main step: cannot read properties of undefined\. This is a bug in Slipway/,
    );
    assert.match(bug.stdout, /^::debug::TypeError: cannot read properties of undefined%0A\s+at /m);
  });
});
