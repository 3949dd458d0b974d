// defineAction, the wiring every action's main.ts uses, proven through a real bundle of a tiny
// fixture action built by the same code as dist/ (scripts/lib/bundle.ts).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TEST_SHA, runActionStep, type ActionRun } from '@slipway/testbed';
import { repoRoot } from '../../../scripts/lib/actions.ts';
import { buildBundle } from '../../../scripts/lib/bundle.ts';

const fixture = join(repoRoot, 'test/fixtures/defined-action');
let dist = '';

const run = (inputs: Record<string, string>): Promise<ActionRun> =>
  runActionStep('defined-action', {
    inputs,
    actionYml: join(fixture, 'action.yml'),
    bundle: join(dist, 'defined-action', 'index.js'),
  });

const errorLines = (r: ActionRun) => r.stdout.split('\n').filter((l) => l.startsWith('::error'));
/** How many times `name` was written to GITHUB_OUTPUT. */
const writes = (r: ActionRun, name: string) =>
  (r.commandFiles.GITHUB_OUTPUT ?? '').split('\n').filter((l) => l.startsWith(`${name}<<`)).length;

describe('defineAction through a bundled fixture action', () => {
  before(async () => {
    dist = mkdtempSync(join(tmpdir(), 'defined-action-dist-'));
    await buildBundle([{ name: 'defined-action', mainSource: join(fixture, 'main.ts') }], dist);
  });
  after(() => rmSync(dist, { recursive: true, force: true }));

  it('writes each output, the summary, the environment and the state once, and the post step gets the state', async () => {
    const r = await run({ greeting: 'hello' });
    assert.equal(r.exitCode, 0, r.output);
    assert.deepEqual(r.outputs, { message: `hello from ${TEST_SHA.slice(0, 7)}`, greeted: 'true' });
    assert.equal(writes(r, 'message'), 1);
    assert.equal(writes(r, 'greeted'), 1);
    assert.equal(r.summary.split('| hello |').length, 2, 'the summary was appended once');
    assert.equal(r.env.DEFINED_ACTION_GREETED, 'yes');
    assert.equal(r.state.greeted, JSON.stringify({ greeting: 'hello' }));
    assert.deepEqual(errorLines(r), []);
    assert.ok(r.post, 'the post step ran');
    assert.equal(r.post.exitCode, 0, r.post.output);
    assert.match(r.post.stdout, /post sees hello/);
    assert.equal(r.post.summary, 'post: state\n');
  });

  it('masks the secret before any input is validated, even when validation then fails', async () => {
    const token = 'defined-action-token-7c1e0d';
    const r = await run({ greeting: 'hi', token, 'fail-with': 'sometimes' });
    assert.equal(r.exitCode, 1);
    assert.deepEqual(errorLines(r), [
      '::error::defined-action: input fail-with: "sometimes" is not allowed; use one of none, action, failure, file-problems, bug',
    ]);
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], `::add-mask::${token}`, 'the first thing the step prints');
    const ok = await run({ greeting: 'hi', token });
    assert.equal(ok.exitCode, 0, ok.output);
    assert.ok(ok.masks.includes(token));
    const firstUse = ok.stdout
      .split('\n')
      .findIndex((l) => l.includes(token) && !l.startsWith('::add-mask::'));
    assert.ok(firstUse > ok.stdout.split('\n').indexOf(`::add-mask::${token}`));
  });

  it('a bad input is one ::error:: line, exit 1, no stack, and nothing written', async () => {
    const r = await run({});
    assert.equal(r.exitCode, 1);
    assert.deepEqual(errorLines(r), [
      '::error::defined-action: input greeting: is required and was not given',
    ]);
    assert.doesNotMatch(r.output, /\n\s+at /, 'no stack trace');
    assert.deepEqual(r.outputs, {});
    assert.equal(r.summary, '');
  });

  it('an ActionError is one ::error:: line with its message alone: exit 1, no stack, no outputs', async () => {
    const r = await run({ greeting: 'hi', 'fail-with': 'action' });
    assert.equal(r.exitCode, 1);
    assert.deepEqual(errorLines(r), [
      '::error::defined-action: the registry refused the upload: grant ecr:PutImage',
    ]);
    assert.doesNotMatch(r.output, /\n\s+at |bug in Slipway/);
    assert.deepEqual(r.outputs, {});
    assert.equal(r.summary, '');
  });

  it('an ActionFailure writes the outputs and summary it carries once, then fails with one ::error:: line', async () => {
    const r = await run({ greeting: 'hi', 'fail-with': 'failure' });
    assert.equal(r.exitCode, 1);
    assert.deepEqual(errorLines(r), ['::error::defined-action: the release failed: stage Deploy']);
    assert.deepEqual(r.outputs, { message: `hi from ${TEST_SHA.slice(0, 7)}`, greeted: 'true' });
    assert.equal(writes(r, 'message'), 1);
    assert.match(r.summary, /\| hi \|/);
    assert.doesNotMatch(r.output, /\n\s+at /);
  });

  it('FileProblems are one annotated ::error:: line per problem and exit 1, with no other error line', async () => {
    const r = await run({ greeting: 'hi', 'fail-with': 'file-problems' });
    assert.equal(r.exitCode, 1);
    assert.deepEqual(errorLines(r), [
      '::error file=deploy/a.yaml.j2,line=3::defined-action: a.yaml line 3: bad label',
      '::error file=deploy/b.yaml.j2,line=7::defined-action: b.yaml line 7: bad name',
    ]);
    assert.deepEqual(r.outputs, {});
  });

  it('anything else is a bug: one ::error:: line saying so, the stack only in the debug log', async () => {
    const r = await run({ greeting: 'hi', 'fail-with': 'bug' });
    assert.equal(r.exitCode, 1);
    const lines = errorLines(r);
    assert.equal(lines.length, 1, r.output);
    assert.match(
      lines[0] ?? '',
      /^::error::defined-action failed unexpectedly in its main step: cannot read properties of undefined\. This is a bug in Slipway/,
    );
    assert.match(r.stdout, /^::debug::TypeError: cannot read properties of undefined%0A\s+at /m);
    assert.deepEqual(r.outputs, {});
  });
});
