// slack-notify through its built bundle, against the test bed's Slack double (Web API + webhooks).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  type ActionRun,
  type RecordedRequest,
  type SlackMessage,
  TEST_SHA,
  allText,
  freePort,
  runActionStep,
  testbed,
} from '@slipway/testbed';

const slackUrl = () => testbed().slack.url;
const apiUrl = () => `${slackUrl()}api/`;
const upper = (n: number) => randomBytes(n).toString('hex').toUpperCase();

/** A webhook of its own for each test: the double accepts /services/T…/B…/<token>. */
function newWebhook(): { url: string; path: string; secret: string } {
  const secret = randomBytes(12).toString('hex');
  const path = `/services/T0SLIPWAY/B${upper(4)}/${secret}`;
  return { url: `${slackUrl()}${path.slice(1)}`, path, secret };
}

const newToken = () => `xoxb-itg-${randomBytes(12).toString('hex')}`;
const newChannel = () => `#deploys-${randomBytes(3).toString('hex')}`;

async function control<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${slackUrl()}_control/${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  assert.equal(res.status, 200, `control ${path}: ${res.status}`);
  return (await res.json()) as T;
}

const messages = (channel?: string) =>
  control<SlackMessage[]>('GET', `messages${channel ? `?channel=${encodeURIComponent(channel)}` : ''}`);
const requests = (prefix = '') =>
  control<RecordedRequest[]>('GET', `requests${prefix ? `?path=${encodeURIComponent(prefix)}` : ''}`);
const planFailure = (plan: {
  times: number;
  status: number | 'reset' | 'hang';
  retryAfter?: number;
  error?: string;
  match: string;
}) => control('POST', 'fail', plan);

function notify(
  inputs: Record<string, string>,
  opts: { env?: Record<string, string>; nodeVersion?: 20 | 24 } = {},
) {
  return runActionStep('slack-notify', {
    // The harness evaluates github/runner/env defaults only; job.status is given as the runner would.
    inputs: { status: 'success', ...inputs },
    env: { SLACK_API_URL: apiUrl(), ...opts.env },
    ...(opts.nodeVersion ? { nodeVersion: opts.nodeVersion } : {}),
  });
}

/** Secrets never reach anything the runner shows or keeps: logs, outputs, state, env, summary. */
function assertNoSecrets(run: ActionRun, secrets: string[]): void {
  const text = allText(run);
  for (const secret of secrets) {
    assert.ok(!text.includes(secret), `a secret (${secret.slice(0, 12)}…) was printed or written`);
  }
}

const errors = (run: ActionRun) => run.annotations.filter((a) => a.level === 'error');
const warnings = (run: ActionRun) => run.annotations.filter((a) => a.level === 'warning');
const attachmentFields = (m: SlackMessage | undefined) =>
  ((m?.attachments?.[0] as { blocks?: { fields?: { text: string }[] }[] } | undefined)?.blocks ?? []).flatMap(
    (b) => (b.fields ?? []).map((f) => f.text),
  );

describe('slack-notify', () => {
  it('posts the default deployment message to a webhook, field by field', async () => {
    const hook = newWebhook();
    const run = await notify({
      'webhook-url': hook.url,
      title: 'Deploy shop to production',
      fields: 'environment: production\nversion: 1.4.2\nimage: https://registry.example.com/shop@sha256:abc',
      'started-at': new Date(Date.now() - 192_000).toISOString(),
    });
    assert.equal(run.exitCode, 0, run.output);
    assert.deepEqual(errors(run), []);
    assert.deepEqual(warnings(run), []);

    const stored = (await messages()).filter((m) => m.webhook === hook.path);
    assert.equal(stored.length, 1);
    const message = stored[0];
    assert.equal(message?.text, ':white_check_mark: *Deploy shop to production* succeeded');
    assert.equal((message?.attachments?.[0] as { color?: string }).color, '#2EB886');
    const fields = attachmentFields(message);
    assert.deepEqual(fields.slice(0, 5), [
      '*Repository*\n<https://github.com/acme/shop|acme/shop>',
      '*Ref*\n<https://github.com/acme/shop/tree/main|main>',
      `*Commit*\n<https://github.com/acme/shop/commit/${TEST_SHA}|${TEST_SHA.slice(0, 7)}> Add checkout flow`,
      '*Actor*\noctocat',
      '*Run*\n<https://github.com/acme/shop/actions/runs/9876543210|ci #42>',
    ]);
    assert.match(fields[5] ?? '', /^\*Duration\*\n3m 1[234]s$/);
    assert.deepEqual(fields.slice(6), [
      '*environment*\nproduction',
      '*version*\n1.4.2',
      '*image*\n<https://registry.example.com/shop@sha256:abc>',
    ]);

    // Webhooks return no ts: the outputs are written, and empty.
    assert.deepEqual(run.outputs, { ts: '', channel: '', 'thread-ts': '' });
    assert.match(
      run.summary,
      /\| success \| incoming webhook \(127\.0\.0\.1:\d+\) \| incoming webhook \| posted \|/,
    );
    assert.ok(run.masks.includes(hook.url), 'the webhook URL was not masked');
    assert.ok(run.masks.includes(hook.secret), 'the token part of the webhook URL was not masked');
    assertNoSecrets(run, [hook.url, hook.secret]);
  });

  it('posts with a bot token and returns ts, channel and thread-ts', async () => {
    const token = newToken();
    const channel = newChannel();
    const run = await notify({ token, channel, status: 'Failure', title: 'Deploy shop' });
    assert.equal(run.exitCode, 0, run.output);
    assert.match(run.outputs.ts ?? '', /^\d+\.\d+$/);
    assert.match(run.outputs.channel ?? '', /^C[A-Z0-9]+$/);
    assert.equal(run.outputs['thread-ts'], run.outputs.ts);

    const [message] = await messages(run.outputs.channel);
    assert.equal(message?.ts, run.outputs.ts);
    assert.equal(message?.via, 'api');
    assert.equal(message?.text, ':x: *Deploy shop* failed');
    assert.equal((message?.attachments?.[0] as { color?: string }).color, '#A30200');
    const posts = (await requests('/api/chat.postMessage')).filter(
      (r) => r.headers.authorization === `Bearer ${token}`,
    );
    assert.equal(posts.length, 1);
    assert.equal((posts[0]?.body as Record<string, string>).channel, channel);
    assert.match(
      run.summary,
      new RegExp(
        `\\| failure \\| ${channel} \\| chat\\.postMessage \\| posted ts ${run.outputs.ts} in ${run.outputs.channel} \\|`,
      ),
    );
    assert.ok(run.masks.includes(token));
    assertNoSecrets(run, [token]);
  });

  it('posts "started", then updates the same message in place with the duration', async () => {
    const token = newToken();
    const started = await notify({ token, channel: newChannel(), status: 'started', title: 'Deploy shop' });
    assert.equal(started.exitCode, 0, started.output);
    // The start time is left for later steps of the job, which the runner passes on through GITHUB_ENV.
    assert.match(started.env.SLIPWAY_SLACK_STARTED_AT ?? '', /^\d{4}-\d\d-\d\dT/);

    const done = await notify(
      {
        token,
        channel: started.outputs.channel ?? '',
        'message-ts': started.outputs.ts ?? '',
        title: 'Deploy shop',
      },
      { env: { SLIPWAY_SLACK_STARTED_AT: new Date(Date.now() - 65_000).toISOString() } },
    );
    assert.equal(done.exitCode, 0, done.output);
    assert.equal(done.outputs.ts, started.outputs.ts);
    assert.equal(done.outputs.channel, started.outputs.channel);

    const all = await messages(started.outputs.channel);
    assert.equal(all.length, 1, 'the update posted a new message');
    const message = all[0];
    assert.equal(message?.updates, 1);
    assert.equal(message?.history[0]?.text, ':rocket: *Deploy shop* started');
    assert.ok(
      attachmentFields({ ...message, attachments: message?.history[0]?.attachments } as SlackMessage).some(
        (f) => f.startsWith('*Started*\n<!date^'),
      ),
    );
    assert.equal(message?.text, ':white_check_mark: *Deploy shop* succeeded');
    assert.ok(
      attachmentFields(message).some((f) => /^\*Duration\*\n1m [56]s$/.test(f)),
      attachmentFields(message).join('\n'),
    );
    assert.match(done.summary, /chat\.update \| updated ts/);
    assertNoSecrets(done, [token]);
  });

  it('replies in the thread of an earlier message', async () => {
    const token = newToken();
    const first = await notify({ token, channel: newChannel(), status: 'started' });
    const reply = await notify({
      token,
      channel: first.outputs.channel ?? '',
      'thread-ts': first.outputs.ts ?? '',
      status: 'failure',
      payload: 'text: "rollback started for {{ short_sha }}"',
    });
    assert.equal(reply.exitCode, 0, reply.output);
    assert.equal(reply.outputs['thread-ts'], first.outputs.ts);
    assert.notEqual(reply.outputs.ts, first.outputs.ts);
    const replyMessage = (await messages(first.outputs.channel)).find((m) => m.ts === reply.outputs.ts);
    assert.equal(replyMessage?.thread_ts, first.outputs.ts);
    assert.equal(replyMessage?.text, `rollback started for ${TEST_SHA.slice(0, 7)}`);
  });

  it('replies in a thread through a webhook too', async () => {
    const hook = newWebhook();
    const run = await notify({ 'webhook-url': hook.url, 'thread-ts': '1700000000.000100' });
    assert.equal(run.exitCode, 0, run.output);
    const [request] = await requests(hook.path);
    assert.equal((request?.body as { thread_ts?: string }).thread_ts, '1700000000.000100');
    assert.equal(run.outputs['thread-ts'], '1700000000.000100');
  });

  it('waits out a 429 Retry-After from the Web API and delivers', async () => {
    const token = newToken();
    await planFailure({ times: 1, status: 429, retryAfter: 2, match: '/api/chat.postMessage' });
    const run = await notify({ token, channel: newChannel() });
    assert.equal(run.exitCode, 0, run.output);
    assert.deepEqual(warnings(run), []);
    const tries = (await requests('/api/chat.postMessage')).filter(
      (r) => r.headers.authorization === `Bearer ${token}`,
    );
    assert.deepEqual(
      tries.map((r) => r.status),
      [429, 200],
    );
    // The wait is the one Slack asked for, not the back-off policy's.
    assert.equal(run.output.match(/retrying in/g)?.length, 1, run.output);
    assert.match(run.output, /Retry-After 2 s\); retrying in 2\.0 s/);
    assert.equal((await messages(run.outputs.channel)).length, 1);
  });

  it('waits out a 429 Retry-After from a webhook, which @slack/webhook would not', async () => {
    const hook = newWebhook();
    await planFailure({ times: 1, status: 429, retryAfter: 1, match: hook.path });
    const run = await notify({ 'webhook-url': hook.url });
    assert.equal(run.exitCode, 0, run.output);
    assert.deepEqual(
      (await requests(hook.path)).map((r) => r.status),
      [429, 200],
    );
    assert.equal((await messages()).filter((m) => m.webhook === hook.path).length, 1);
  });

  it("reports Slack's ok:false with the code and what to do, as a warning", async () => {
    const token = newToken();
    const first = await notify({ token, channel: newChannel(), status: 'started' });
    // chat.update with a channel name instead of the ID the post returned.
    const run = await notify({ token, channel: '#deploys', 'message-ts': first.outputs.ts ?? '' });
    assert.equal(run.exitCode, 0, run.output);
    assert.deepEqual(errors(run), []);
    const [warning] = warnings(run);
    assert.match(
      warning?.message ?? '',
      /^chat\.update \(updating message [\d.]+ in #deploys\) failed: Slack answered channel_not_found: no channel #deploys visible to this token\. chat\.update needs the channel ID \(C…\), not its name: pass the channel output of the step that posted the message \(the step still succeeds; set fail-on-error: true to fail it\)$/,
    );
    assert.match(run.summary, /\| success \| #deploys \| chat\.update \| not delivered: .*channel_not_found/);
    assert.deepEqual(run.outputs, {});
    assertNoSecrets(run, [token]);
  });

  it('fails the step on ok:false with fail-on-error, in one error line', async () => {
    const run = await notify({ token: 'xoxb-invalid', channel: newChannel(), 'fail-on-error': 'true' });
    assert.equal(run.exitCode, 1);
    assert.deepEqual(
      errors(run).map((e) => e.message),
      [
        'slack-notify: chat.postMessage (posting to ' +
          run.stepEnv.INPUT_CHANNEL +
          ') failed: Slack answered invalid_auth: the token is not valid (mistyped, revoked, or from another workspace)',
      ],
    );
    assertNoSecrets(run, ['xoxb-invalid']);
  });

  it("passes on Slack's detail when it refuses the blocks", async () => {
    const run = await notify({ token: newToken(), channel: newChannel(), payload: '[{"type": "carousel"}]' });
    assert.equal(run.exitCode, 0, run.output);
    const [warning] = warnings(run);
    assert.match(
      warning?.message ?? '',
      /failed: Slack answered invalid_blocks: Slack refused the blocks \(Slack said: unknown block type \[json-pointer:\/blocks\/0\]\)/,
    );
  });

  it('explains a webhook that was removed', async () => {
    const url = `${slackUrl()}services/T0SLIPWAY/B0GONE/revoked`;
    const run = await notify({ 'webhook-url': url });
    assert.equal(run.exitCode, 0, run.output);
    assert.match(
      warnings(run)[0]?.message ?? '',
      /Slack refused the message: HTTP 404 no_service: this webhook was disabled or removed; create a new incoming webhook/,
    );
  });

  it('fits an oversized payload to Slack limits, so the double accepts it', async () => {
    const token = newToken();
    const blocks = [
      { type: 'header', text: { type: 'plain_text', text: `{{ emoji }} ${'H'.repeat(300)}` } },
      { type: 'section', text: { type: 'mrkdwn', text: `Changes: ${'a & b '.repeat(1000)}` } },
      {
        type: 'section',
        fields: Array.from({ length: 15 }, (_, i) => ({
          type: 'mrkdwn',
          text: `*f${i}*\n${'x'.repeat(i === 0 ? 2500 : 5)}`,
        })),
      },
      ...Array.from({ length: 60 }, (_, i) => ({
        type: 'section',
        text: { type: 'mrkdwn', text: `line ${i}` },
      })),
    ];
    const run = await notify({ token, channel: newChannel(), payload: JSON.stringify({ blocks }) });
    assert.equal(run.exitCode, 0, run.output);
    const [message] = await messages(run.outputs.channel);
    const stored = (message?.blocks ?? []) as {
      type: string;
      text?: { text: string };
      fields?: { text: string }[];
      elements?: { text: string }[];
    }[];
    assert.equal(stored.length, 50);
    assert.equal(stored[0]?.text?.text.length, 150);
    assert.ok(stored[0]?.text?.text.startsWith(':white_check_mark: HHH'));
    assert.ok(stored[0]?.text?.text.endsWith('…'));
    // Cut at 3000, less a space trimmed before the ellipsis.
    assert.ok(
      Math.abs((stored[1]?.text?.text.length ?? 0) - 2999.5) <= 0.5,
      String(stored[1]?.text?.text.length),
    );
    assert.ok(stored[1]?.text?.text.endsWith('…'));
    assert.deepEqual([stored[2]?.fields?.length, stored[3]?.fields?.length], [10, 5]);
    assert.equal(stored[2]?.fields?.[0]?.text.length, 2000);
    assert.equal(stored[49]?.elements?.[0]?.text, '…and 15 more blocks not shown (Slack shows at most 50)');
    // Blocks came without text: the summary line is the notification text.
    assert.equal(message?.text, ':white_check_mark: *ci* succeeded');
    const [warning] = warnings(run);
    assert.match(
      warning?.message ?? '',
      /^the message was fitted to Slack's limits: blocks\[0\]\.text\.text shortened from 319 to 150 characters; /,
    );
  });

  it('reads a YAML payload file from the workspace and fills its placeholders', async () => {
    const hook = newWebhook();
    const workspace = mkdtempSync(join(tmpdir(), 'slw-ws-'));
    mkdirSync(join(workspace, '.github'), { recursive: true });
    writeFileSync(
      join(workspace, '.github', 'slack.yml'),
      [
        'text: "{{ emoji }} {{ repository }} {{ fields.version }} {{ status_text }}"',
        'blocks:',
        '  - type: section',
        '    text: {type: mrkdwn, text: "<{{ commit_url }}|{{ short_sha }}> {{ fields.note }}"}',
      ].join('\n'),
    );
    const run = await runActionStep('slack-notify', {
      workspace,
      inputs: {
        status: 'success',
        'webhook-url': hook.url,
        'payload-file': '.github/slack.yml',
        fields: 'version: 2.0.1\nnote: "<!channel> & co"',
      },
    });
    assert.equal(run.exitCode, 0, run.output);
    const [message] = (await messages()).filter((m) => m.webhook === hook.path);
    assert.equal(message?.text, ':white_check_mark: acme/shop 2.0.1 succeeded');
    assert.deepEqual(message?.blocks, [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `<https://github.com/acme/shop/commit/${TEST_SHA}|${TEST_SHA.slice(0, 7)}> &lt;!channel&gt; &amp; co`,
        },
      },
    ]);
  });

  it('bot token: each attempt gets the time left of the timeout, not the whole timeout again', async () => {
    const token = newToken();
    const channel = newChannel();
    // A 5xx at once, then a request Slack never answers: the second attempt may only take what is
    // left of the 4 s after the first attempt and its back-off, and then there is no time for a third.
    await planFailure({ times: 1, status: 500, match: '/api/chat.postMessage' });
    await planFailure({ times: 1, status: 'hang', match: '/api/chat.postMessage' });
    const before = (await requests('/api/chat.postMessage')).length;
    const run = await notify({ token, channel, retries: '5', timeout: '4s' });
    assert.equal(run.exitCode, 0, run.output);
    const [warning, ...rest] = warnings(run).map((w) => w.message);
    assert.deepEqual(rest, []);
    const m =
      /^chat\.postMessage \(posting to .*\) failed: no answer from Slack within (\d+(?:\.\d)?) s; gave up after 2 attempts: the 4 s timeout leaves no time for another/.exec(
        warning ?? '',
      );
    assert.ok(m, warning);
    const perAttempt = Number(m[1]);
    assert.ok(
      perAttempt > 0 && perAttempt < 4,
      `the second attempt's timeout (${perAttempt} s) is what was left of 4 s`,
    );
    assert.equal((await requests('/api/chat.postMessage')).length - before, 2, 'two attempts, not six');
    assertNoSecrets(run, [token]);
  });

  it('warns and succeeds when Slack stays down, and says what it tried', async () => {
    const hook = newWebhook();
    await planFailure({ times: 5, status: 503, error: 'service_unavailable', match: hook.path });
    const run = await notify({ 'webhook-url': hook.url, retries: '2' });
    assert.equal(run.exitCode, 0, run.output);
    assert.deepEqual(errors(run), []);
    assert.deepEqual(
      warnings(run).map((w) => w.message),
      [
        `posting to the incoming webhook at ${new URL(slackUrl()).host} failed: Slack answered HTTP 503 service_unavailable; gave up after 3 attempts (the step still succeeds; set fail-on-error: true to fail it)`,
      ],
    );
    assert.equal((await requests(hook.path)).length, 3);
    assertNoSecrets(run, [hook.url, hook.secret]);
  });

  it('fails with fail-on-error when Slack is down', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/services/T0SLIPWAY/B0DOWN/${randomBytes(12).toString('hex')}`;
    const run = await notify({ 'webhook-url': url, 'fail-on-error': 'true', retries: '1' });
    assert.equal(run.exitCode, 1);
    assert.deepEqual(
      errors(run).map((e) => e.message),
      [
        `slack-notify: posting to the incoming webhook at 127.0.0.1:${port} failed: could not reach Slack (ECONNREFUSED); gave up after 2 attempts`,
      ],
    );
    assertNoSecrets(run, [url]);
  });

  it('runs on Node 20, the node of act containers', async () => {
    const hook = newWebhook();
    const run = await notify({ 'webhook-url': hook.url }, { nodeVersion: 20 });
    assert.equal(run.exitCode, 0, run.output);
    assert.equal((await messages()).filter((m) => m.webhook === hook.path).length, 1);
  });

  describe('bad inputs: one error line naming the input, nothing sent', () => {
    const cases: [string, () => Record<string, string>, string, RegExp][] = [
      ['neither webhook-url nor token', () => ({}), 'webhook-url', /neither webhook-url nor token was given/],
      ['token without channel', () => ({ token: newToken() }), 'channel', /is required with token/],
      [
        'an invalid status',
        () => ({ 'webhook-url': newWebhook().url, status: 'deployed' }),
        'status',
        /"deployed" is not a status; use one of started, success, failure, cancelled, skipped/,
      ],
      [
        'a payload that is not JSON or YAML',
        () => ({ 'webhook-url': newWebhook().url, payload: '{"blocks": [' }),
        'payload',
        /is not valid JSON or YAML/,
      ],
      [
        'a payload with an unknown placeholder',
        () => ({ token: newToken(), channel: '#x', payload: 'text: "{{ verison }}"' }),
        'payload',
        /unknown placeholder \{\{ verison \}\}; known: status, /,
      ],
      [
        'message-ts with a webhook',
        () => ({ 'webhook-url': newWebhook().url, 'message-ts': '1700000000.000100' }),
        'message-ts',
        /can post but not update/,
      ],
      [
        'a webhook-url that is not a URL',
        () => ({ 'webhook-url': `hooks.slack.com/services/${randomBytes(8).toString('hex')}` }),
        'webhook-url',
        /is not an http\(s\) URL/,
      ],
    ];
    for (const [what, inputs, input, pattern] of cases) {
      it(`rejects ${what}`, async () => {
        const before = (await requests()).length;
        const given = inputs();
        const run = await notify(given);
        assert.equal(run.exitCode, 1, run.output);
        const lines = run.output.split('\n').filter((l) => l.startsWith('::error'));
        assert.equal(lines.length, 1, run.output);
        const [error] = errors(run);
        assert.ok(error?.message.startsWith(`slack-notify: input ${input}: `), error?.message);
        assert.match(error?.message ?? '', pattern);
        assert.equal((await requests()).length, before, 'the double received a request');
        assert.deepEqual(run.outputs, {});
        assertNoSecrets(
          run,
          [given.token, given['webhook-url']].filter((s): s is string => Boolean(s)),
        );
      });
    }
  });
});
