// The CodePipeline stand-in through the real AWS SDK clients: executions per S3 version, SUPERSEDED
// mode, paging, the buildspec run against the kubectl/aws doubles with its log in moto's
// CloudWatch Logs, and AWS's error shapes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { BatchGetBuildsCommand, CodeBuildClient } from '@aws-sdk/client-codebuild';
import {
  CodePipelineClient,
  GetPipelineExecutionCommand,
  ListActionExecutionsCommand,
  ListPipelineExecutionsCommand,
  paginateListActionExecutions,
  paginateListPipelineExecutions,
  type ActionExecutionDetail,
  type PipelineExecutionSummary,
} from '@aws-sdk/client-codepipeline';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { strToU8, zipSync } from 'fflate';
import { startPipelineStandIn, testbed, uniqueName, type PipelineStandIn } from '@slipway/testbed';
import { adminS3, createBucket } from '../render-manifest/helpers.ts';

const KEY = 'shop/staging/deploy.zip';
const MANIFEST = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop\nspec:\n  replicas: 1\n';
const config = (endpoint: string) => ({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
});

describe('the CodePipeline stand-in', () => {
  let s3: S3Client;
  let bucket: string;
  let standIn: PipelineStandIn;
  let pipeline: CodePipelineClient;
  const name = uniqueName('standin');
  before(async () => {
    s3 = adminS3();
    bucket = await createBucket(s3);
    standIn = await startPipelineStandIn({
      moto: testbed().moto,
      pipeline: name,
      bucket,
      key: KEY,
      pageSize: 1,
      buildEnv: { EKS_CLUSTER_NAME: 'acme', KUBE_NAMESPACE: 'shop' },
    });
    pipeline = new CodePipelineClient(config(standIn.url));
  });
  after(async () => {
    pipeline.destroy();
    await standIn.stop();
    s3.destroy();
  });

  const publish = async () =>
    (
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: KEY,
          Body: zipSync({ 'deployment.yaml': strToU8(MANIFEST) }),
        }),
      )
    ).VersionId ?? '';

  it('runs an execution per S3 version, supersedes the one waiting, and pages newest first', async () => {
    standIn.setPlan({ hold: true });
    const first = await publish();
    await standIn.waitFor('first deploying', () =>
      Boolean(standIn.executionOf(first)?.actions.some((a) => a.stageName === 'Deploy')),
    );
    const second = await publish();
    await standIn.waitFor('second waiting', () => Boolean(standIn.executionOf(second)?.actions.length));
    const third = await publish();
    await standIn.waitFor('second superseded', () => standIn.executionOf(second)?.status === 'Superseded');
    standIn.setPlan({ hold: false });
    await standIn.idle();

    const summaries: PipelineExecutionSummary[] = [];
    for await (const page of paginateListPipelineExecutions({ client: pipeline }, { pipelineName: name })) {
      summaries.push(...(page.pipelineExecutionSummaries ?? []));
    }
    assert.deepEqual(
      summaries.map((s) => [s.sourceRevisions?.[0]?.revisionId, s.status]),
      [
        [third, 'Succeeded'],
        [second, 'Superseded'],
        [first, 'Succeeded'],
      ],
    );
    assert.ok(summaries.every((s) => s.startTime instanceof Date));
    assert.ok(standIn.requests('ListPipelineExecutions').length >= 3, 'one request per page');

    const id = summaries[2]?.pipelineExecutionId;
    const execution = await pipeline.send(
      new GetPipelineExecutionCommand({ pipelineName: name, pipelineExecutionId: id }),
    );
    assert.equal(execution.pipelineExecution?.status, 'Succeeded');
    // pageSize 1 pages the actions too.
    const details: ActionExecutionDetail[] = [];
    for await (const page of paginateListActionExecutions(
      { client: pipeline },
      { pipelineName: name, filter: { pipelineExecutionId: id } },
    )) {
      details.push(...(page.actionExecutionDetails ?? []));
    }
    assert.deepEqual(
      details.map((a) => [a.stageName, a.status, a.input?.actionTypeId?.provider]),
      [
        ['Deploy', 'Succeeded', 'CodeBuild'],
        ['Source', 'Succeeded', 'S3'],
      ],
    );

    // The build ran the buildspec against the doubles and logged to moto's CloudWatch Logs.
    const buildId = details[0]?.output?.executionResult?.externalExecutionId ?? '';
    const codebuild = new CodeBuildClient(config(standIn.url));
    const logs = new CloudWatchLogsClient(config(testbed().moto.url));
    try {
      const build = (await codebuild.send(new BatchGetBuildsCommand({ ids: [buildId] }))).builds?.[0];
      assert.equal(build?.buildStatus, 'SUCCEEDED');
      const events = await logs.send(
        new GetLogEventsCommand({
          logGroupName: build?.logs?.groupName,
          logStreamName: build?.logs?.streamName,
        }),
      );
      const text = (events.events ?? []).map((e) => e.message).join('\n');
      assert.match(text, /\[Container\] .* Entering phase BUILD/);
      assert.match(text, /deployment "shop" successfully rolled out/);
      assert.match(text, /All workloads rolled out/);
    } finally {
      codebuild.destroy();
      logs.destroy();
    }
    assert.ok(standIn.tools.calls().some((c) => c[0] === 'kubectl' && c[1] === 'apply'));
  });

  it("answers AWS's error shapes: an unknown pipeline, AccessDenied, throttling", async () => {
    await assert.rejects(
      pipeline.send(new GetPipelineExecutionCommand({ pipelineName: 'nope', pipelineExecutionId: 'x' })),
      { name: 'PipelineNotFoundException' },
    );
    await assert.rejects(
      pipeline.send(new GetPipelineExecutionCommand({ pipelineName: name, pipelineExecutionId: 'x' })),
      { name: 'PipelineExecutionNotFoundException' },
    );
    standIn.deny('ListActionExecutions');
    await assert.rejects(
      pipeline.send(new ListActionExecutionsCommand({ pipelineName: name })),
      (err: Error) => {
        assert.equal(err.name, 'AccessDeniedException');
        assert.match(err.message, /not authorized to perform: codepipeline:ListActionExecutions/);
        return true;
      },
    );
    // The SDK retries throttling by itself: two throttled answers, then the real one.
    standIn.throttle('ListPipelineExecutions', 2);
    const out = await pipeline.send(new ListPipelineExecutionsCommand({ pipelineName: name }));
    assert.ok(out.pipelineExecutionSummaries);
  });

  it('stop() ends every execution it started, even one found by the last poll, and starts none after', async () => {
    // A version published just before stop() used to start an execution stop() did not wait for:
    // its build then ran in the removed work folder. Each round stops a little later after the
    // publish, so that some stop while the watcher's listing is in flight.
    for (let round = 0; round < 8; round++) {
      const key = `${uniqueName('stop')}/deploy.zip`;
      const early = await startPipelineStandIn({
        moto: testbed().moto,
        pipeline: uniqueName('stop'),
        bucket,
        key,
        pollMs: 0,
        scriptedBuildMs: 20,
      });
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: zipSync({}) }));
      await new Promise((r) => setTimeout(r, round * 4));
      await early.stop();
      const after = early.executions().map((e) => `${e.versionId}: ${e.status}`);
      assert.ok(
        early.executions().every((e) => e.status !== 'InProgress'),
        `round ${round}: an execution outlived stop(): ${after.join(', ')}`,
      );
      await new Promise((r) => setTimeout(r, 30));
      assert.deepEqual(
        early.executions().map((e) => `${e.versionId}: ${e.status}`),
        after,
        `round ${round}: an execution changed after stop()`,
      );
    }
  });
});
