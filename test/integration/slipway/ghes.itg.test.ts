// GitHub Enterprise Server: every GitHub link Slipway writes (the Slack message, the job summary,
// the release metadata in S3) is built from GITHUB_SERVER_URL, never github.com.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import {
  runActionStep,
  testbed,
  uniqueName,
  writeOciLayout,
  TEST_SHA,
  type RecordedRequest,
} from '@slipway/testbed';
import { adminS3, createBucket, credentials, shopWorkspace } from '../render-manifest/helpers.ts';

const SERVER = 'https://ghes.corp.example';
const GHES = {
  GITHUB_SERVER_URL: SERVER,
  GITHUB_API_URL: `${SERVER}/api/v3`,
  GITHUB_GRAPHQL_URL: `${SERVER}/api/graphql`,
};
let s3: S3Client;
let bucket: string;

describe('GitHub Enterprise Server links', () => {
  before(async () => {
    s3 = adminS3();
    bucket = await createBucket(s3);
  });
  after(() => s3.destroy());

  it('the one-step action links the Slack message, the summary and the release to GITHUB_SERVER_URL', async () => {
    const token = `xoxb-ghes-${randomBytes(8).toString('hex')}`;
    const workspace = shopWorkspace();
    await writeOciLayout(join(workspace, 'image'), { layers: 1, layerSize: 3_000, seed: uniqueName('ghes') });
    const run = await runActionStep('slipway', {
      workspace,
      inputs: {
        'registry-url': testbed().registry.url,
        repository: uniqueName('ghes'),
        source: 'oci:image',
        templates: 'deploy/*.yaml.j2',
        'values-files': 'deploy/values.yaml',
        environment: 'staging',
        bucket,
        token,
        channel: 'C0DEPLOYS',
        status: 'success',
        // No CodePipeline follows these releases: publishing is what is under test.
        'wait-for-release': 'false',
      },
      env: { ...credentials(), SLACK_API_URL: `${testbed().slack.url}api/`, ...GHES },
    });
    assert.equal(run.exitCode, 0, run.output);

    const res = await fetch(`${testbed().slack.url}_control/requests?path=/api/chat.postMessage`);
    const posts = ((await res.json()) as RecordedRequest[]).filter(
      (r) => r.headers.authorization === `Bearer ${token}`,
    );
    assert.equal(posts.length, 1);
    const message = JSON.stringify(posts[0]?.body);
    assert.ok(message.includes(`${SERVER}/acme/shop/commit/${TEST_SHA}`), message);
    assert.ok(message.includes(`${SERVER}/acme/shop/actions/runs/9876543210`), message);
    assert.doesNotMatch(message, /github\.com/);

    assert.ok(run.summary.length > 0);
    assert.doesNotMatch(run.summary, /github\.com/);

    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    const runUrls = new Set<string>();
    for (const { Key } of listed.Contents ?? []) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key }));
      if (head.Metadata?.['run-url']) runUrls.add(head.Metadata['run-url']);
    }
    assert.deepEqual([...runUrls], [`${SERVER}/acme/shop/actions/runs/9876543210`]);
  });
});
