import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { allText, runActionStep, type RunActionOptions } from '@slipway/testbed';

// A hand-written action (plain JS, no build) that reports what it was given through every file command.
const fixture = fileURLToPath(new URL('./fixtures/probe-action/', import.meta.url));
const probe = (opts: RunActionOptions = {}) =>
  runActionStep('probe-action', {
    actionYml: join(fixture, 'action.yml'),
    bundle: join(fixture, 'index.js'),
    ...opts,
  });

test('runActionStep passes inputs and action.yml defaults as INPUT_* with hyphens kept and expressions evaluated', async () => {
  const run = await probe({ inputs: { who: 'mona' } });
  assert.equal(run.exitCode, 0, run.output);
  assert.equal(run.outputs.greeting, 'hello mona');
  assert.equal(run.outputs['image-tag'], 'latest');
  assert.equal(run.outputs['repo-default'], 'acme/shop');
  assert.equal(run.outputs['event-message'], 'Add checkout flow');
  assert.equal(run.outputs.runner, 'true,true,Linux,acme/shop,main,40,unset');
});

test('runActionStep parses heredoc outputs, state, env exports, path additions and the summary', async () => {
  const run = await probe({ inputs: { who: 'mona' }, post: false });
  assert.equal(run.outputs.multi, 'line one\nline two');
  assert.deepEqual(run.state, { isPost: 'true', who: 'mona' });
  assert.deepEqual(run.env, { PROBE_EXPORTED: 'exported value' });
  assert.deepEqual(run.paths, [join(run.files.temp, 'probe-bin')]);
  assert.match(run.summary, /\| mona \|/);
  assert.equal(run.post, undefined);
});

test('runActionStep runs the post step with STATE_*, GITHUB_ENV exports, GITHUB_PATH and the same inputs', async () => {
  const run = await probe({ inputs: { who: 'mona', 'image-tag': 'v1.2.3' } });
  assert.ok(run.post, 'post step ran');
  assert.equal(run.post.exitCode, 0, run.post.output);
  assert.equal(run.post.outputs['post-saw-state'], 'mona');
  assert.equal(run.post.outputs['post-saw-export'], 'exported value');
  assert.equal(run.post.outputs['post-path-first'], join(run.files.temp, 'probe-bin'));
  assert.equal(run.post.outputs['post-input'], 'v1.2.3');
  assert.deepEqual(run.post.annotations, [{ level: 'notice', message: 'post step ran' }]);
});

test('runActionStep parses annotations with their properties and unescapes messages', async () => {
  const run = await probe({ inputs: { who: 'mona' }, post: false });
  assert.deepEqual(run.annotations, [
    {
      level: 'warning',
      message: 'disk % nearly full\nsecond line',
      file: 'src/app.ts',
      line: 12,
      col: 3,
      title: 'Careful',
    },
    { level: 'error', message: 'plain error' },
  ]);
  assert.match(run.stderr, /a line on stderr/);
  assert.match(run.output, /hello mona[\s\S]*a line on stderr|a line on stderr[\s\S]*hello mona/);
});

test('runActionStep does not leak the test process environment into the action', async () => {
  process.env.SLIPWAY_PROBE_LEAK = 'leaked';
  try {
    const run = await probe({ inputs: { who: 'mona' }, post: false });
    assert.equal(run.outputs.leak, 'absent');
    const withEnv = await probe({
      inputs: { who: 'mona' },
      post: false,
      env: { SLIPWAY_PROBE_LEAK: 'given' },
    });
    assert.equal(withEnv.outputs.leak, 'given');
  } finally {
    delete process.env.SLIPWAY_PROBE_LEAK;
  }
});

test('runActionStep runs bundles on Node 24 by default and on Node 20 when asked', async () => {
  const on24 = await probe({ inputs: { who: 'mona' }, post: false });
  assert.match(on24.outputs['node-version'] ?? '', /^v24\./);
  const on20 = await probe({ inputs: { who: 'mona' }, post: false, nodeVersion: 20 });
  assert.match(on20.outputs['node-version'] ?? '', /^v20\./);
});

test('runActionStep reports a failing exit code and still runs the post step (post-if: always())', async () => {
  const run = await probe({ inputs: { who: 'mona', 'exit-code': '3' } });
  assert.equal(run.exitCode, 3);
  assert.equal(run.post?.exitCode, 0);
});

test('allText holds everything printed and every file except the ::add-mask:: line itself', async () => {
  const run = await probe({ inputs: { who: 'mona', 'secret-value': 's3cr3t-value' } });
  assert.deepEqual(run.masks, ['s3cr3t-value']);
  assert.match(run.stdout, /::add-mask::s3cr3t-value/);
  const text = allText(run);
  assert.doesNotMatch(text, /s3cr3t-value/);
  assert.match(text, /hello mona/);
  assert.match(text, /a line on stderr/);
  assert.match(text, /exported value/); // GITHUB_ENV file
  assert.match(text, /isPost=true/); // GITHUB_STATE file
  assert.match(text, /post-saw-state=mona/); // the post step's files
});
