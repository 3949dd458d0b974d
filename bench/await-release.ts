/**
 * What following a release costs: the requests await-release makes while it follows a 10-minute
 * CodePipeline execution (Source, then a 10-minute Deploy) to live, at several poll intervals. The
 * CodePipeline stand-in and the follower share a clock sped up SPEEDUP times (default 20), so
 * ten minutes pass in half a minute; the follower is the package code the action runs. A request
 * takes real time, which the sped-up clock multiplies: higher speedups stretch each poll.
 * Target (issue 12): one poll is one or two API calls.
 *
 *   npm run bench await-release        (SPEEDUP=N)
 */
import {
  CreateBucketCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { silentLogger } from '@slipway/action-kit';
import { followPipelineRelease, type Clock } from '@slipway/release';
import { startMoto, startPipelineStandIn, uniqueName } from '@slipway/testbed';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { printTable } from './lib/measure.ts';

const speedup = Number(process.env.SPEEDUP ?? 20);
const DEPLOY_MS = 10 * 60_000;
const INTERVALS = [10_000, 30_000];

/** A clock `speedup` times faster than the wall clock, from now on. */
function fastClock(): Clock {
  const realStart = Date.now();
  return {
    now: () => realStart + (Date.now() - realStart) * speedup,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms / speedup)),
  };
}

const work = mkdtempSync(join(tmpdir(), 'slw-bench-await-'));
const moto = await startMoto({ logDir: work });
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
Object.assign(process.env, {
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_ENDPOINT_URL: moto.url,
});
const s3 = new S3Client({ endpoint: moto.url, region: 'us-east-1', forcePathStyle: true, credentials });
const rows: (string | number)[][] = [];
try {
  for (const intervalMs of INTERVALS) {
    const bucket = uniqueName('bench-releases');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
    );
    const clock = fastClock();
    const pipeline = uniqueName('bench');
    const standIn = await startPipelineStandIn({
      moto,
      pipeline,
      bucket,
      key: 'shop/staging/deploy.zip',
      clock,
      scriptedBuildMs: DEPLOY_MS,
    });
    process.env.AWS_ENDPOINT_URL_CODEPIPELINE = standIn.url;
    try {
      const put = await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: 'shop/staging/deploy.zip', Body: 'zip' }),
      );
      const outcome = await followPipelineRelease(
        { pipeline, versionId: put.VersionId ?? '', region: 'us-east-1', logLines: 50 },
        { timeoutMs: 30 * 60_000, intervalMs, clock },
        silentLogger,
      );
      if (outcome.status !== 'live')
        throw new Error(`the release ended ${outcome.status}: ${outcome.detail}`);
      const count = (op: string) => standIn.requests(op).length;
      const polls = count('GetPipelineExecution');
      const total = standIn.requests().length;
      rows.push([
        `${intervalMs / 1000}s`,
        `${(outcome.durationMs / 60_000).toFixed(1)} min`,
        String(count('ListPipelineExecutions')),
        String(polls),
        String(count('ListActionExecutions')),
        String(total),
        (total - count('ListPipelineExecutions')) / polls,
        total / (outcome.durationMs / 60_000),
      ]);
    } finally {
      await standIn.stop();
    }
  }
} finally {
  s3.destroy();
  await moto.stop();
}
printTable(
  `await-release following a 10-minute CodePipeline execution to live (clock ×${speedup})`,
  [
    'interval',
    'followed',
    'ListPipelineExecutions',
    'GetPipelineExecution',
    'ListActionExecutions',
    'requests',
    'calls per poll',
    'requests per minute',
  ],
  rows,
);
