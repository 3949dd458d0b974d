import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildDefaultMessage, fitToLimits, type Block, type TextObject } from '@slipway/slack';
import { parseHandoff, toHandoff, type ReleaseHandoff } from '@slipway/release/handoff';
import { successFacts } from './fixtures.ts';

const texts = (blocks: Block[] | undefined) =>
  (blocks ?? []).map((b) => (b.text as TextObject | undefined)?.text ?? '').filter(Boolean);

const release = (over: Partial<ReleaseHandoff>): ReleaseHandoff => ({
  status: 'live',
  detail: 'execution 1 of shop-staging succeeded',
  durationMs: 182_000,
  url: 'https://us-east-1.console.aws.amazon.com/codesuite/codepipeline/pipelines/shop-staging/executions/1/timeline',
  failedStage: '',
  log: [],
  ...over,
});

describe('the default message with a release', () => {
  it('says live with the time it took, in the notification text and the attachment', () => {
    const message = buildDefaultMessage(successFacts({ release: release({}) }));
    assert.equal(message.text, ':white_check_mark: *Deploy api* succeeded — live in 3m 2s');
    const first = texts(message.attachments?.[0]?.blocks)[0] ?? '';
    assert.match(
      first,
      /^:large_green_circle: \*Live\* in 3m 2s: execution 1 of shop-staging succeeded \(<https:\/\/us-east-1/,
    );
  });

  it('names the failed stage and shows the end of the build log as code, escaped', () => {
    const message = buildDefaultMessage(
      successFacts({
        status: 'failure',
        release: release({
          status: 'failed',
          failedStage: 'Deploy',
          detail: 'stage Deploy, action Deploy failed: Build terminated with state: FAILED',
          log: ['error: timed out waiting for the condition', 'Back-off pulling image "shop:<missing>"'],
        }),
      }),
    );
    assert.equal(message.text, ':x: *Deploy api* failed — failed in Deploy');
    const [head, log] = texts(message.attachments?.[0]?.blocks);
    assert.match(head ?? '', /^:red_circle: \*Failed\* in \*Deploy\*: stage Deploy, action Deploy failed/);
    assert.equal(
      log,
      '```error: timed out waiting for the condition\nBack-off pulling image "shop:&lt;missing&gt;"```',
    );
  });

  it('says superseded and not live in time', () => {
    const superseded = buildDefaultMessage(
      successFacts({
        status: 'failure',
        release: release({ status: 'superseded', detail: 'superseded by execution 2 (S3 version v3)' }),
      }),
    );
    assert.match(superseded.text ?? '', /— superseded by a newer release$/);
    assert.match(
      texts(superseded.attachments?.[0]?.blocks)[0] ?? '',
      /\*Superseded\*: superseded by execution 2 \(S3 version v3\)/,
    );
    const late = buildDefaultMessage(
      successFacts({ status: 'failure', release: release({ status: 'timed-out', durationMs: 900_000 }) }),
    );
    assert.match(late.text ?? '', /— not live after 15m$/);
  });

  it('keeps a long log within Slack limits', () => {
    const log = Array.from({ length: 10 }, (_, i) => `${i} ${'x'.repeat(900)}`);
    const message = buildDefaultMessage(
      successFacts({ status: 'failure', release: release({ status: 'failed', log }) }),
    );
    assert.deepEqual(fitToLimits(message).changes, []);
  });
});

describe('the release handoff', () => {
  it('keeps 10 log lines from the first error line, without CodeBuild bookkeeping', () => {
    const logTail = [
      'Waiting for rollout',
      'error: timed out waiting for the condition',
      ...Array.from({ length: 12 }, (_, i) => `detail ${i}`),
    ];
    const handoff = toHandoff({
      status: 'failed',
      detail: 'd',
      durationMs: 5,
      url: '',
      failedStage: 'Deploy',
      logTail,
    });
    assert.deepEqual(handoff.log, [
      'error: timed out waiting for the condition',
      ...Array.from({ length: 9 }, (_, i) => `detail ${i}`),
    ]);
  });
  it('keeps the last 10 log lines when none reads like an error, and reads back what it wrote', () => {
    const logTail = [
      ...Array.from({ length: 12 }, (_, i) => `line ${i}`),
      '[Container] 2026/01/01 Phase complete: BUILD State: FAILED',
    ];
    const handoff = toHandoff({
      status: 'failed',
      detail: 'd',
      durationMs: 5,
      url: '',
      failedStage: 'Deploy',
      logTail,
    });
    assert.deepEqual(
      handoff.log,
      Array.from({ length: 10 }, (_, i) => `line ${i + 2}`),
    );
    assert.deepEqual(parseHandoff(JSON.stringify(handoff)), handoff);
  });
  it('ignores an absent or foreign value', () => {
    assert.equal(parseHandoff(undefined), undefined);
    assert.equal(parseHandoff('not json'), undefined);
    assert.equal(parseHandoff('{"status":"deployed"}'), undefined);
  });
});
