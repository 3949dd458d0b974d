// await-release in codepipeline mode through its built bundle, against the test bed's CodePipeline
// stand-in: it watches the artifact key in moto's S3, runs infra/buildspec.yml with the kubectl and
// aws doubles, and writes the build log to moto's CloudWatch Logs. The action reaches CodePipeline
// and CodeBuild through AWS_ENDPOINT_URL_CODEPIPELINE / _CODEBUILD and CloudWatch Logs through
// AWS_ENDPOINT_URL (moto): the SDK's per-service endpoints, as every AWS SDK honours them.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { zipSync, strToU8 } from 'fflate';
import {
  allText,
  awsEnv,
  runActionStep,
  startPipelineStandIn,
  testbed,
  uniqueName,
  type ActionRun,
  type PipelineStandIn,
} from '@slipway/testbed';
import { evaluatePolicy } from '../../support/iam-evaluate.ts';
import { renderPolicy } from '../../../infra/policies.ts';
import { adminS3, createBucket, renderManifest } from '../render-manifest/helpers.ts';

const KEY = 'shop/staging/deploy.zip';

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
  labels:
    app: shop
spec:
  replicas: 2
  selector:
    matchLabels:
      app: shop
  template:
    metadata:
      labels:
        app: shop
    spec:
      containers:
        - name: shop
          image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:1.4.2
`;
const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: shop
spec:
  selector:
    app: shop
  ports:
    - port: 80
`;

/** A release artifact as render-manifest zips it: the manifests at the top of the zip. */
function artifact(): Uint8Array {
  return zipSync({ 'deployment.yaml': strToU8(DEPLOYMENT), 'service.yaml': strToU8(SERVICE) });
}

interface Bed {
  s3: S3Client;
  bucket: string;
  pipeline: string;
  standIn: PipelineStandIn;
  publish(): Promise<string>;
}

async function bed(opts: { approval?: boolean; pageSize?: number } = {}): Promise<Bed> {
  const s3 = adminS3();
  const bucket = await createBucket(s3);
  const pipeline = uniqueName('shop-staging');
  const standIn = await startPipelineStandIn({
    moto: testbed().moto,
    pipeline,
    bucket,
    key: KEY,
    buildEnv: { EKS_CLUSTER_NAME: 'acme-staging', KUBE_NAMESPACE: 'shop', ROLLOUT_TIMEOUT: '90s' },
    ...opts,
  });
  return {
    s3,
    bucket,
    pipeline,
    standIn,
    async publish() {
      const out = await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: KEY, Body: artifact(), ContentType: 'application/zip' }),
      );
      assert.ok(out.VersionId, 'the bucket is versioned');
      return out.VersionId;
    },
  };
}

/** Credentials of this test's own (the secret must never be printed) and the stand-in's endpoints. */
function env(standIn: PipelineStandIn): Record<string, string> {
  return {
    ...awsEnv(),
    AWS_SECRET_ACCESS_KEY: `slw-secret-${randomBytes(12).toString('hex')}`,
    AWS_ENDPOINT_URL_CODEPIPELINE: standIn.url,
    AWS_ENDPOINT_URL_CODEBUILD: standIn.url,
  };
}

async function follow(
  standIn: PipelineStandIn,
  inputs: Record<string, string>,
  extraEnv: Record<string, string> = {},
): Promise<ActionRun> {
  const e = { ...env(standIn), ...extraEnv };
  const run = await runActionStep('await-release', {
    inputs: { interval: '100ms', timeout: '2m', ...inputs },
    env: e,
  });
  assert.ok(!allText(run).includes(e.AWS_SECRET_ACCESS_KEY ?? '-'), 'the secret key was printed');
  return run;
}

const errors = (run: ActionRun) => run.annotations.filter((a) => a.level === 'error');
const count = (text: string, needle: string) => text.split(needle).length - 1;

describe('await-release codepipeline', () => {
  const beds: Bed[] = [];
  const newBed = async (opts?: Parameters<typeof bed>[0]) => {
    const b = await bed(opts);
    beds.push(b);
    return b;
  };
  after(async () => {
    await Promise.all(beds.map((b) => b.standIn.stop()));
  });

  it('follows the release render-manifest published to live, through the buildspec and the per-service endpoints', async () => {
    const b = await newBed();
    const published = await renderManifest({ bucket: b.bucket });
    assert.equal(published.exitCode, 0, published.output);
    const versionId = published.outputs['artifact-version-id'] ?? '';
    assert.ok(versionId);
    // Throttling is retried by the SDK, not reported.
    b.standIn.throttle('GetPipelineExecution', 2);

    const run = await follow(b.standIn, { pipeline: b.pipeline, 'version-id': versionId });

    assert.equal(run.exitCode, 0, run.output);
    assert.equal(run.outputs.status, 'live');
    assert.equal(run.outputs['failed-stage'], '');
    const execution = b.standIn.executionOf(versionId);
    assert.equal(execution?.status, 'Succeeded');
    assert.match(
      run.outputs.detail ?? '',
      new RegExp(`execution ${execution?.pipelineExecutionId} of ${b.pipeline} succeeded`),
    );
    assert.match(
      run.outputs.url ?? '',
      new RegExp(`/codepipeline/pipelines/${b.pipeline}/executions/${execution?.pipelineExecutionId}/`),
    );
    assert.match(run.outputs.duration ?? '', /^\d+$/);
    for (const line of [
      '▶ Source › Source started',
      '✔ Source › Source succeeded',
      '▶ Deploy › Deploy started',
      '✔ Deploy › Deploy succeeded',
    ]) {
      assert.equal(count(run.output, line), 1, `${line} once in:\n${run.output}`);
    }
    // The buildspec ran for real against the doubles: kubeconfig, apply of every manifest, rollout.
    const calls = b.standIn.tools.calls().map((c) => c.join(' '));
    assert.ok(
      calls.some((c) => c.startsWith('aws eks update-kubeconfig --name acme-staging --region us-east-1')),
      calls.join('\n'),
    );
    const apply = calls.find((c) => c.startsWith('kubectl apply --server-side'));
    assert.match(apply ?? '', /-f \S+deployment\.yaml -f \S+service\.yaml/);
    assert.ok(
      calls.includes('kubectl rollout status deployment.apps/shop --namespace shop --timeout=90s'),
      calls.join('\n'),
    );
    // Per-service endpoints won over AWS_ENDPOINT_URL: the stand-in answered, throttling twice.
    assert.equal(b.standIn.requests('GetPipelineExecution').filter((r) => r.status === 400).length, 2);
    // One poll is one GetPipelineExecution and one ListActionExecutions.
    const polls = b.standIn.requests('GetPipelineExecution').filter((r) => r.status === 200).length;
    assert.equal(b.standIn.requests('ListActionExecutions').length, polls);
    assert.match(run.summary, /Release live/);
    assert.match(run.summary, /Deploy › Deploy \| Succeeded/);
  });

  it('reports a rollout that timed out as failed in the Deploy stage, with the tail of the build log', async () => {
    const b = await newBed();
    b.standIn.setPlan({ rollout: 'timeout' });
    const versionId = await b.publish();

    const run = await follow(b.standIn, { pipeline: b.pipeline, 'version-id': versionId, 'log-lines': '20' });

    assert.equal(run.exitCode, 1, run.output);
    assert.equal(run.outputs.status, 'failed');
    assert.equal(run.outputs['failed-stage'], 'Deploy');
    assert.match(
      run.outputs.detail ?? '',
      /^stage Deploy, action Deploy failed: Build terminated with state: FAILED\. Phase: BUILD, Code: COMMAND_EXECUTION_ERROR/,
    );
    const errs = errors(run);
    assert.equal(errs.length, 1, run.output);
    assert.match(
      errs[0]?.message ?? '',
      /^await-release: release failed after .*: stage Deploy, action Deploy failed/,
    );
    // The log tail, from CloudWatch Logs, in the job log and the summary.
    for (const text of [run.output, run.summary]) {
      assert.match(text, /error: timed out waiting for the condition/);
      assert.match(text, /ERROR: deployment\.apps\/shop did not become ready within 90s/);
      assert.match(text, /Rollout failed: the build fails so the pipeline stage fails/);
    }
    assert.match(run.output, /Last 20 lines of the build log/);
    assert.match(run.output, /✖ Deploy › Deploy failed at/);

    // A later slack-notify step of the job says which stage failed, with the end of the log.
    const notify = await runActionStep('slack-notify', {
      inputs: {
        token: `xoxb-itg-${randomBytes(8).toString('hex')}`,
        channel: `#deploys-${randomBytes(3).toString('hex')}`,
        status: 'failure',
        title: 'Deploy shop',
      },
      env: { SLACK_API_URL: `${testbed().slack.url}api/`, SLIPWAY_RELEASE: run.env.SLIPWAY_RELEASE },
    });
    assert.equal(notify.exitCode, 0, notify.output);
    const posted = (await (
      await fetch(`${testbed().slack.url}_control/messages?channel=${notify.outputs.channel}`)
    ).json()) as { text?: string; attachments?: unknown[] }[];
    assert.equal(posted.length, 1);
    assert.equal(posted[0]?.text, ':x: *Deploy shop* failed — failed in Deploy');
    const attachment = JSON.stringify(posted[0]?.attachments);
    assert.match(attachment, /Failed\* in \*Deploy\*: stage Deploy, action Deploy failed/);
    assert.match(attachment, /error: timed out waiting for the condition/);

    // docs/iam/await-release.json grants every call that was made, on the resource it was made on.
    const project = `${b.pipeline}-deploy`;
    const policy = renderPolicy('await-release', {
      region: 'us-east-1',
      accountId: '123456789012',
      pipeline: b.pipeline,
      buildProject: project,
    });
    const arn = (service: string, rest: string) => `arn:aws:${service}:us-east-1:123456789012:${rest}`;
    const calls = [
      ...new Set(b.standIn.requests().map((r) => r.target.split('_')[0]?.toLowerCase() + ':' + r.operation)),
      'logs:GetLogEvents',
    ];
    assert.deepEqual(calls.sort(), [
      'codebuild:BatchGetBuilds',
      'codepipeline:GetPipelineExecution',
      'codepipeline:ListActionExecutions',
      'codepipeline:ListPipelineExecutions',
      'logs:GetLogEvents',
    ]);
    for (const action of calls) {
      const resource = action.startsWith('codepipeline:')
        ? arn('codepipeline', b.pipeline)
        : action.startsWith('codebuild:')
          ? arn('codebuild', `project/${project}`)
          : arn('logs', `log-group:/aws/codebuild/${project}:log-stream:some-build`);
      assert.equal(evaluatePolicy(policy, { action, resource, context: {} }), 'Allow', action);
    }
  });

  it('reports an apply the cluster rejects as failed, with the rejection in the log tail read through AWS_ENDPOINT_URL_CLOUDWATCH_LOGS', async () => {
    const b = await newBed();
    b.standIn.setPlan({ apply: 'reject' });
    const versionId = await b.publish();

    // Nothing answers at AWS_ENDPOINT_URL: every service is reached through its own variable.
    const run = await follow(
      b.standIn,
      { pipeline: b.pipeline, 'version-id': versionId },
      { AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: testbed().moto.url },
    );

    assert.equal(run.exitCode, 1, run.output);
    assert.equal(run.outputs.status, 'failed');
    assert.equal(run.outputs['failed-stage'], 'Deploy');
    assert.match(
      run.summary,
      /Deployment\.apps "shop" is invalid: spec\.template\.spec\.containers\[0\]\.image: Required value/,
    );
    // The rollout was never waited for: the buildspec stopped at the failed apply.
    assert.ok(!b.standIn.tools.calls().some((c) => c[1] === 'rollout'));
  });

  it('reports superseded, naming the newer execution and its S3 version, finding the release on a later page', async () => {
    // One execution per page: the release sits on page 2 behind the newer one.
    const b = await newBed({ pageSize: 1 });
    b.standIn.setPlan({ hold: true });
    const first = await b.publish();
    await b.standIn.waitFor('the first release deploying', () =>
      Boolean(b.standIn.executionOf(first)?.actions.some((a) => a.stageName === 'Deploy')),
    );
    const second = await b.publish();
    await b.standIn.waitFor('the second release waiting for Deploy', () =>
      Boolean(
        b.standIn
          .executionOf(second)
          ?.actions.some((a) => a.stageName === 'Source' && a.status === 'Succeeded'),
      ),
    );
    const third = await b.publish();
    await b.standIn.waitFor(
      'the second release superseded',
      () => b.standIn.executionOf(second)?.status === 'Superseded',
    );
    b.standIn.setPlan({ hold: false });
    const newer = b.standIn.executionOf(third);

    const run = await follow(b.standIn, { pipeline: b.pipeline, 'version-id': second });

    assert.equal(run.exitCode, 1, run.output);
    assert.equal(run.outputs.status, 'superseded');
    assert.equal(
      run.outputs.detail,
      `superseded by execution ${newer?.pipelineExecutionId} (S3 version ${third})`,
    );
    assert.ok(
      b.standIn.requests('ListPipelineExecutions').some((r) => typeof r.body.nextToken === 'string'),
      'the search paged',
    );
    await b.standIn.idle();
  });

  it('says once that a manual approval waits, keeps waiting, and ends live once approved', async () => {
    const b = await newBed({ approval: true });
    const versionId = await b.publish();
    const running = follow(b.standIn, { pipeline: b.pipeline, 'version-id': versionId });
    await b.standIn.waitFor('the approval waiting', () =>
      Boolean(b.standIn.executionOf(versionId)?.actions.some((a) => a.category === 'Approval')),
    );
    // Let the action see the waiting approval on several polls before approving.
    const seen = b.standIn.requests('ListActionExecutions').length;
    await b.standIn.waitFor(
      'three more polls',
      () => b.standIn.requests('ListActionExecutions').length >= seen + 3,
    );
    assert.equal(b.standIn.approve(), 1);

    const run = await running;

    assert.equal(run.exitCode, 0, run.output);
    assert.equal(run.outputs.status, 'live');
    assert.equal(count(run.output, '⏸ Approve › Approval is waiting for a manual approval'), 1, run.output);
    assert.match(
      run.output,
      /waiting for a manual approval: https:\/\/us-east-1\.console\.aws\.amazon\.com\/codesuite\/codepipeline\/pipelines\//,
    );
    assert.match(run.output, /✔ Approve › Approval succeeded/);
    assert.match(run.output, /✔ Deploy › Deploy succeeded/);
  });

  it('times out while the execution is still deploying, naming the action in progress', async () => {
    const b = await newBed();
    b.standIn.setPlan({ hold: true });
    const versionId = await b.publish();
    await b.standIn.waitFor('the release deploying', () =>
      Boolean(b.standIn.executionOf(versionId)?.actions.some((a) => a.stageName === 'Deploy')),
    );
    try {
      const run = await follow(b.standIn, {
        pipeline: b.pipeline,
        'version-id': versionId,
        timeout: '2s',
        interval: '200ms',
      });
      assert.equal(run.exitCode, 1, run.output);
      assert.equal(run.outputs.status, 'timed-out');
      assert.match(
        run.outputs.detail ?? '',
        /^execution \S+ of \S+ was still InProgress \(Deploy › Deploy\) after /,
      );
      assert.match(run.output, /▶ Deploy › Deploy started/);
      assert.equal(errors(run).length, 1, run.output);
    } finally {
      b.standIn.setPlan({ hold: false });
      await b.standIn.idle();
    }
  });

  it('times out with an error naming the pipeline and the version id when no execution has the release', async () => {
    const b = await newBed();
    const versionId = `no-such-version-${randomBytes(4).toString('hex')}`;

    const run = await follow(b.standIn, {
      pipeline: b.pipeline,
      'version-id': versionId,
      timeout: '1s',
      interval: '200ms',
    });

    assert.equal(run.exitCode, 1, run.output);
    assert.equal(run.outputs.status, 'timed-out');
    const errs = errors(run);
    assert.equal(errs.length, 1, run.output);
    assert.match(
      errs[0]?.message ?? '',
      new RegExp(`no execution of pipeline ${b.pipeline} has S3 version ${versionId} as its source after`),
    );
    // At most one search per interval (plus the first) until the deadline: 1 s / 200 ms.
    const searches = b.standIn.requests('ListPipelineExecutions').length;
    assert.ok(searches >= 1 && searches <= 7, `${searches} searches`);
  });

  it('fails at once on AccessDenied, naming the IAM action, without retrying it', async () => {
    const b = await newBed();
    b.standIn.deny('ListPipelineExecutions');

    const run = await follow(b.standIn, { pipeline: b.pipeline, 'version-id': 'v1' });

    assert.equal(run.exitCode, 1, run.output);
    const errs = errors(run);
    assert.equal(errs.length, 1, run.output);
    assert.match(
      errs[0]?.message ?? '',
      /AWS denied codepipeline:ListPipelineExecutions on pipeline \S+ \(AccessDeniedException\): the role or user needs the IAM permission codepipeline:ListPipelineExecutions/,
    );
    assert.equal(b.standIn.requests('ListPipelineExecutions').length, 1);
  });

  it('still reports the failure when the log cannot be read, with a warning naming codebuild:BatchGetBuilds', async () => {
    const b = await newBed();
    b.standIn.setPlan({ kubeconfig: 'fail' });
    b.standIn.deny('BatchGetBuilds');
    const versionId = await b.publish();

    const run = await follow(b.standIn, { pipeline: b.pipeline, 'version-id': versionId });

    assert.equal(run.exitCode, 1, run.output);
    assert.equal(run.outputs.status, 'failed');
    assert.match(run.outputs.detail ?? '', /Phase: PRE_BUILD/);
    const warnings = run.annotations.filter((a) => a.level === 'warning');
    assert.ok(
      warnings.some((w) => /codebuild:BatchGetBuilds/.test(w.message)),
      run.output,
    );
  });

  it('names a pipeline that does not exist', async () => {
    const b = await newBed();
    const run = await follow(b.standIn, { pipeline: 'no-such-pipeline', 'version-id': 'v1' });
    assert.equal(run.exitCode, 1);
    const errs = errors(run);
    assert.equal(errs.length, 1, run.output);
    assert.match(errs[0]?.message ?? '', /pipeline no-such-pipeline does not exist in us-east-1/);
  });
});

describe('await-release inputs', () => {
  let standIn: PipelineStandIn | undefined;
  before(async () => {
    const s3 = adminS3();
    standIn = await startPipelineStandIn({
      moto: testbed().moto,
      pipeline: 'p',
      bucket: await createBucket(s3),
      key: KEY,
    });
  });
  after(async () => {
    await standIn?.stop();
  });

  const cases: [string, Record<string, string>, RegExp][] = [
    ['nothing to follow', {}, /^await-release: input mode: nothing to follow/],
    [
      'pipeline without version-id',
      { pipeline: 'p' },
      /^await-release: input version-id: is required with pipeline/,
    ],
    ['url and pipeline', { pipeline: 'p', url: 'https://x' }, /^await-release: input mode: is needed/],
    [
      'an unknown mode',
      { mode: 'jenkins', pipeline: 'p' },
      /^await-release: input mode: "jenkins" is not allowed; use one of codepipeline, url, argocd/,
    ],
    [
      'a bad interval',
      { pipeline: 'p', 'version-id': 'v', interval: '10ms' },
      /^await-release: input interval: "10ms" is out of range/,
    ],
    [
      'a bad fail-on',
      { pipeline: 'p', 'version-id': 'v', 'fail-on': 'failed, live' },
      /^await-release: input fail-on: "live" is not a status/,
    ],
    [
      'url without expect',
      { url: 'http://127.0.0.1:1/' },
      /^await-release: input expect: is required in url mode/,
    ],
    [
      'a bad version-at',
      { url: 'http://127.0.0.1:1/', expect: '1', 'version-at': 'xpath://v' },
      /^await-release: input version-at: "xpath:\/\/v" is not a version location/,
    ],
    [
      'argocd without token',
      { server: 'http://127.0.0.1:1', application: 'shop' },
      /^await-release: input token: is required in argocd mode/,
    ],
  ];
  for (const [what, inputs, message] of cases) {
    it(`rejects ${what} with one error line and no request`, async () => {
      const before = standIn?.requests().length ?? 0;
      const run = await runActionStep('await-release', {
        inputs,
        env: { ...env(standIn as PipelineStandIn) },
      });
      assert.equal(run.exitCode, 1, run.output);
      const errs = errors(run);
      assert.equal(errs.length, 1, run.output);
      assert.match(errs[0]?.message ?? '', message);
      assert.deepEqual(run.outputs, {});
      assert.equal(standIn?.requests().length, before);
    });
  }
});
