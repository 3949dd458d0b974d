// The one-step root action: push, render and publish, follow the release through the test bed's
// CodePipeline stand-in, notify — one bundle, the same inputs and outputs as the single actions,
// every part validated before any part acts.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  allText,
  runActionStep,
  startPipelineStandIn,
  testbed,
  uniqueName,
  writeOciLayout,
  type ActionRun,
  type PipelineStandIn,
} from '@slipway/testbed';
import { adminS3, createBucket, credentials, shopWorkspace } from '../render-manifest/helpers.ts';

const TOKEN = 'xoxb-one-step-7c1d9e2f4a';
let s3: S3Client;
let bucket: string;
// The pipeline the Slipway stack would create for the shop repository's staging releases.
let pipeline: PipelineStandIn;

async function slack<T>(path: string, method = 'GET'): Promise<T> {
  const res = await fetch(`${testbed().slack.url}_control/${path}`, { method });
  return (await res.json()) as T;
}

interface Recorded {
  path: string;
  body: Record<string, unknown>;
}

async function oneStep(inputs: Record<string, string>, aws = credentials()): Promise<ActionRun> {
  const workspace = shopWorkspace();
  await writeOciLayout(join(workspace, 'image'), {
    layers: 2,
    layerSize: 20_000,
    seed: uniqueName('one-step'),
  });
  return runActionStep('slipway', {
    workspace,
    inputs: {
      'registry-url': testbed().registry.url,
      'values-files': 'deploy/values.yaml',
      token: TOKEN,
      channel: 'C0DEPLOYS',
      'release-interval': '100ms',
      // Runs a second apart would share the default version (its clock has seconds) and collide
      // in the shared bucket; the default version itself is tested in render-manifest's tests.
      version: uniqueName('v'),
      ...inputs,
    },
    env: {
      ...aws,
      SLACK_API_URL: `${testbed().slack.url}api/`,
      AWS_ENDPOINT_URL_CODEPIPELINE: pipeline.url,
      AWS_ENDPOINT_URL_CODEBUILD: pipeline.url,
    },
  });
}

const registryTags = async (repository: string): Promise<string[]> => {
  const { username, password, url } = testbed().registry;
  const res = await fetch(`${url}/v2/${repository}/tags/list`, {
    headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` },
  });
  if (res.status === 404) return [];
  return ((await res.json()) as { tags?: string[] }).tags ?? [];
};

describe('the one-step root action', () => {
  before(async () => {
    s3 = adminS3();
    bucket = await createBucket(s3);
    pipeline = await startPipelineStandIn({
      moto: testbed().moto,
      pipeline: 'shop-staging',
      bucket,
      key: 'shop/staging/deploy.zip',
      buildEnv: { EKS_CLUSTER_NAME: 'acme-staging', KUBE_NAMESPACE: 'shop', ROLLOUT_TIMEOUT: '90s' },
    });
  });
  after(async () => {
    await pipeline.stop();
    s3.destroy();
  });

  it('pushes the image, publishes manifests pinned to it, and tells Slack, with every part’s outputs', async () => {
    await slack('reset', 'POST');
    const repository = uniqueName('one-step');
    const aws = credentials();
    const r = await oneStep(
      {
        repository,
        source: 'oci:image',
        templates: 'deploy/*.yaml.j2',
        environment: 'staging',
        bucket,
        status: 'success',
      },
      aws,
    );
    assert.equal(r.exitCode, 0, r.output);
    assert.match(r.outputs.digest ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.equal(r.outputs['image-ref'], `${r.outputs.image}@${r.outputs.digest}`);
    assert.match(r.outputs['s3-uri'] ?? '', new RegExp(`^s3://${bucket}/`));
    assert.ok(r.outputs.version);
    assert.ok(r.outputs.ts, 'the Slack message ts is an output');
    assert.ok((await registryTags(repository)).length > 0, 'the image is in the registry');

    // The published manifests pin the image that was just pushed.
    const key = `${r.outputs['s3-uri']?.replace(`s3://${bucket}/`, '')}deployment.yaml`;
    const manifest = await (
      await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
    ).Body?.transformToString();
    assert.ok(manifest?.includes(`@${r.outputs.digest}`), manifest);

    // The release was followed until the stand-in pipeline had applied it.
    assert.equal(r.outputs['release-status'], 'live', r.output);
    assert.equal(pipeline.executionOf(r.outputs['artifact-version-id'] ?? '-')?.status, 'Succeeded');
    assert.match(r.summary, /Release live/);

    const requests = await slack<Recorded[]>('requests');
    assert.match(String(requests.at(-1)?.body.text), /succeeded — live in /);
    const posted = JSON.stringify(requests.at(-1)?.body);
    assert.ok(posted.includes(r.outputs.digest ?? '-'), 'the message names the image');
    assert.ok(posted.includes(r.outputs.version ?? '-'), 'and the version');

    const text = allText(r);
    for (const secret of [TOKEN, aws.AWS_SECRET_ACCESS_KEY ?? '', testbed().registry.password]) {
      assert.ok(!text.includes(secret), 'no secret in anything printed');
    }
  });

  it('a bad input of a later part, invalid manifests, a broken Slack payload or image with source stop it before anything is pushed or posted', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ sse: 'rot13' }, /input sse/],
      [{ values: 'replicas: "three"' }, /replicas/],
      [{ payload: '{ "text": [unclosed' }, /input payload/],
      [{ title: 'deploy {{ no_such_fact }}' }, /input title/],
      [{ image: 'nginx:1.27' }, /input image: .*leave image empty/],
      // The targets are checked before the push: the bucket exists, the Slack token is taken.
      [{ bucket: 'slipway-no-such-bucket' }, /bucket slipway-no-such-bucket does not exist/],
      [{ token: 'xoxb-invalid' }, /Slack refused the token, so nothing was done: .*invalid_auth/],
      [{ 'release-timeout': 'soon' }, /input release-timeout: "soon" is not a duration/],
    ];
    for (const [inputs, error] of cases) {
      await slack('reset', 'POST');
      const repository = uniqueName('one-step-stop');
      const r = await oneStep({
        repository,
        source: 'oci:image',
        templates: 'deploy/*.yaml.j2',
        environment: 'staging',
        bucket,
        ...inputs,
      });
      assert.equal(r.exitCode, 1, r.output);
      const errors = r.stdout.split('\n').filter((l) => l.startsWith('::error'));
      assert.equal(errors.length, 1, r.output);
      assert.match(errors[0] ?? '', error);
      assert.deepEqual(await registryTags(repository), [], `nothing pushed for ${JSON.stringify(inputs)}`);
      const posted = (await slack<Recorded[]>('requests')).filter((q) => !q.path.endsWith('/auth.test'));
      assert.deepEqual(posted, [], 'nothing posted');
    }
  });

  it('when publishing fails after the push, Slack hears failure and the step fails', async () => {
    // A release is immutable: the same version with other manifests is refused only when the
    // ledger is read, which is after the push.
    const version = uniqueName('v');
    const first = await oneStep({
      repository: uniqueName('one-step-fail'),
      source: 'oci:image',
      templates: 'deploy/*.yaml.j2',
      environment: 'staging',
      bucket,
      version,
    });
    assert.equal(first.exitCode, 0, first.output);
    await slack('reset', 'POST');
    const r = await oneStep({
      repository: uniqueName('one-step-fail'),
      source: 'oci:image',
      templates: 'deploy/*.yaml.j2',
      environment: 'staging',
      bucket,
      version,
    });
    assert.equal(r.exitCode, 1, r.output);
    assert.ok(r.outputs.digest, 'the push happened and says so');
    const requests = await slack<Recorded[]>('requests');
    const last = requests.at(-1)?.body ?? {};
    // The failure style of packages/slack/src/status.ts: ':x: … failed' and Slack's danger red.
    assert.match(String(last.text), /^:x: \*.+\* failed$/, JSON.stringify(last));
    const attachments = (
      typeof last.attachments === 'string' ? JSON.parse(last.attachments) : last.attachments
    ) as { color?: string }[] | undefined;
    assert.deepEqual(
      attachments?.map((a) => a.color),
      ['#A30200'],
      JSON.stringify(last),
    );
  });

  it('when the rollout fails in the pipeline, the step fails and Slack names the failed stage with the log', async () => {
    await slack('reset', 'POST');
    pipeline.setPlan({ rollout: 'timeout' });
    try {
      const r = await oneStep({
        repository: uniqueName('one-step-rollout'),
        source: 'oci:image',
        templates: 'deploy/*.yaml.j2',
        environment: 'staging',
        bucket,
      });
      assert.equal(r.exitCode, 1, r.output);
      assert.equal(r.outputs['release-status'], 'failed');
      assert.equal(r.outputs['failed-stage'], 'Deploy');
      const errors = r.stdout.split('\n').filter((l) => l.startsWith('::error'));
      assert.equal(errors.length, 1, r.output);
      assert.match(errors[0] ?? '', /slipway: release failed after .*: stage Deploy, action Deploy failed/);
      const last = (await slack<Recorded[]>('requests')).at(-1)?.body ?? {};
      assert.match(String(last.text), /^:x: \*.+\* failed — failed in Deploy$/, JSON.stringify(last));
      assert.match(JSON.stringify(last.attachments), /error: timed out waiting for the condition/);
    } finally {
      pipeline.setPlan({});
    }
  });

  it('with wait-for-release false it ends once the release is in S3', async () => {
    const before = pipeline.requests().length;
    const r = await oneStep({
      repository: uniqueName('one-step-nowait'),
      source: 'oci:image',
      templates: 'deploy/*.yaml.j2',
      environment: 'staging',
      bucket,
      'wait-for-release': 'false',
    });
    assert.equal(r.exitCode, 0, r.output);
    assert.equal(r.outputs['release-status'], undefined);
    assert.equal(pipeline.requests().length, before, 'the pipeline was not asked');
  });

  it('with nothing to do, it names the inputs that switch the parts on', async () => {
    const r = await runActionStep('slipway', { inputs: {} });
    assert.equal(r.exitCode, 1);
    assert.match(
      r.stdout,
      /::error::slipway: input source: nothing to do: give source to push an image, templates/,
    );
  });
});
