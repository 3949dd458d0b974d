/** await-release's inputs: the mode from what is given, its defaults, and what each mode refuses. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapInputs, readRunContext } from '@slipway/action-kit';
import { parseVersionAt, readInputs } from '../../../../actions/await-release/src/inputs.ts';

describe('await-release inputs', () => {
  const read = (values: Record<string, string>, env: NodeJS.ProcessEnv = { AWS_REGION: 'eu-west-1' }) =>
    readInputs(mapInputs(values), readRunContext(env), env);

  it('chooses the mode from the inputs given, with the defaults', () => {
    const inputs = read({ pipeline: 'shop-staging', 'version-id': 'abc' });
    assert.equal(inputs.mode, 'codepipeline');
    assert.equal(inputs.timeoutMs, 900_000);
    assert.equal(inputs.intervalMs, 10_000);
    assert.deepEqual(inputs.failOn, ['failed', 'superseded', 'timed-out']);
    assert.ok(
      inputs.mode === 'codepipeline' &&
        inputs.pipeline.region === 'eu-west-1' &&
        inputs.pipeline.logLines === 50,
    );
  });
  it('defaults the argocd revision to the workflow commit', () => {
    const inputs = read(
      { server: 'https://argocd.example.com', application: 'shop', token: 't' },
      { GITHUB_SHA: 'abc1234' },
    );
    assert.ok(inputs.mode === 'argocd' && inputs.argo.revision === 'abc1234');
  });
  it('reads fail-on lists and none', () => {
    assert.deepEqual(read({ url: 'http://x/', expect: '1', 'fail-on': 'failed\ntimed-out' }).failOn, [
      'failed',
      'timed-out',
    ]);
    assert.deepEqual(read({ url: 'http://x/', expect: '1', 'fail-on': 'none' }).failOn, []);
  });
  it('rejects inputs of another mode', () => {
    assert.throws(
      () => read({ url: 'http://x/', expect: '1', application: 'shop', mode: 'url' }),
      /input application: is for argocd mode, not url/,
    );
  });
  it('parses version-at forms and refuses others', () => {
    assert.deepEqual(parseVersionAt('json:/build/version'), { kind: 'json', pointer: '/build/version' });
    assert.deepEqual(parseVersionAt('header:X-Version'), { kind: 'header', name: 'X-Version' });
    assert.equal(parseVersionAt('regex:v=(\\d+)')?.kind, 'regex');
    for (const bad of ['json:version', 'header:bad header', 'regex:(', 'regex:', 'xpath:/v', '/version']) {
      assert.equal(parseVersionAt(bad), undefined, bad);
    }
  });
});
