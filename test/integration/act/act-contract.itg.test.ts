// The contract with act: every action, run with the environment act gives a step — ACT=true, the
// container's Node 20, no OIDC, an empty GITHUB_TOKEN, its cache server over protocol v1, AWS
// endpoints from AWS_ENDPOINT_URL and the registry from registry-url — does its whole job.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  allText,
  runActionStep,
  testbed,
  uniqueName,
  writeOciLayout,
  type ActionRun,
} from '@slipway/testbed';
import { adminS3, createBucket, credentials, shopWorkspace } from '../render-manifest/helpers.ts';

/** What act sets, and leaves out, for a step (nektos/act's runner environment). */
const ACT_ENV = {
  ACT: 'true',
  GITHUB_TOKEN: '',
  ACTIONS_ID_TOKEN_REQUEST_URL: undefined,
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: undefined,
};

describe('under act', () => {
  let s3: S3Client;
  let bucket: string;
  let workspace: string;
  const aws = credentials();
  const step = (
    name: string,
    inputs: Record<string, string>,
    env: Record<string, string> = {},
  ): Promise<ActionRun> =>
    runActionStep(name, {
      inputs,
      workspace,
      nodeVersion: 20,
      cacheService: 'v1',
      env: { ...ACT_ENV, ...aws, ...env },
    });

  before(async () => {
    s3 = adminS3();
    bucket = await createBucket(s3);
    workspace = shopWorkspace({ 'package-lock.json': '{"lockfileVersion": 3, "packages": {}}\n' });
    await writeOciLayout(join(workspace, 'image'), { layers: 2, layerSize: 4096, seed: uniqueName('act') });
  });
  after(() => s3.destroy());

  it('test-cache uses act’s cache server over v1 and saves', async () => {
    const home = mkdtempSync(join(tmpdir(), 'slw-act-home-'));
    writeFileSync(join(workspace, '.npmrc'), `cache=${join(home, '.npm')}\n`);
    const r = await runActionStep('test-cache', {
      inputs: { ecosystem: 'node', path: 'image' },
      workspace,
      home,
      nodeVersion: 20,
      cacheService: 'v1',
      env: ACT_ENV,
    });
    assert.equal(r.exitCode, 0, r.output);
    assert.ok(r.post, 'the post step ran');
    assert.equal(r.post.exitCode, 0, r.post.output);
    assert.match(r.post.outputs['saved-size'] ?? '', /^[1-9]\d*$/, r.post.output);
  });

  it('ecr-login, ecr-push, render-manifest and slack-notify do their whole job', async () => {
    const repository = uniqueName('act');
    const login = await step('ecr-login', { 'registry-url': testbed().registry.url });
    assert.equal(login.exitCode, 0, login.output);
    assert.equal(login.outputs.registry, testbed().registry.host);

    const push = await step('ecr-push', {
      repository,
      source: 'oci:image',
      'registry-url': testbed().registry.url,
    });
    assert.equal(push.exitCode, 0, push.output);
    assert.match(push.outputs.digest ?? '', /^sha256:/);

    const render = await step('render-manifest', {
      templates: 'deploy/*.yaml.j2',
      'values-files': 'deploy/values.yaml',
      environment: 'staging',
      image: push.outputs['image-ref'] ?? '',
      bucket,
    });
    assert.equal(render.exitCode, 0, render.output);
    assert.match(render.outputs['s3-uri'] ?? '', new RegExp(`^s3://${bucket}/`));

    const slack = await step(
      'slack-notify',
      { token: 'xoxb-act-1f2e3d4c5b', channel: 'C0ACT', status: 'success' },
      { SLACK_API_URL: `${testbed().slack.url}api/` },
    );
    assert.equal(slack.exitCode, 0, slack.output);
    assert.ok(slack.outputs.ts);

    for (const run of [login, push, render, slack]) {
      assert.ok(!allText(run).includes(aws.AWS_SECRET_ACCESS_KEY ?? '-'), 'no AWS secret printed');
      assert.equal(run.annotations.filter((a) => a.level === 'error').length, 0);
    }
  });
});
