import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { collectingLogger, silentLogger } from '@slipway/action-kit';
import { type RetryPolicy, SlackDeliveryError, deliver, parseRetryAfter } from '@slipway/slack';
import { type Reply, slackJson, startServer } from './local-server.ts';

const fast: RetryPolicy = { retries: 3, timeoutMs: 10_000, baseDelayMs: 20, maxDelayMs: 50 };
const message = { text: 'hello' };
const TOKEN = 'xoxb-unit-test-token-5f2c9a';
const servers: { close: () => Promise<void> }[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

async function server(answer: (index: number) => Reply) {
  const s = await startServer((_req, i) => answer(i));
  servers.push(s);
  return s;
}

const failure = (fn: () => Promise<unknown>, check: (err: SlackDeliveryError) => void) =>
  assert.rejects(fn, (err: unknown) => {
    assert.ok(err instanceof SlackDeliveryError, String(err));
    check(err);
    return true;
  });

describe('webhook delivery', () => {
  it('posts the message as JSON and is done on "ok"', async () => {
    const s = await server(() => ({ status: 200, body: 'ok' }));
    const result = await deliver(
      { kind: 'webhook', url: `${s.url}services/T1/B2/secretpart` },
      { message, threadTs: '1700000000.000100' },
      { policy: fast, log: silentLogger },
    );
    assert.equal(s.received.length, 1);
    assert.equal(s.received[0]?.path, '/services/T1/B2/secretpart');
    assert.equal(s.received[0]?.headers['content-type'], 'application/json; charset=utf-8');
    assert.deepEqual(JSON.parse(s.received[0]?.body ?? ''), {
      text: 'hello',
      thread_ts: '1700000000.000100',
    });
    assert.deepEqual(result, {
      ts: '',
      channel: '',
      threadTs: '1700000000.000100',
      attempts: 1,
      method: 'incoming webhook',
    });
  });

  it('waits exactly Retry-After after a 429, then succeeds', async () => {
    const s = await server((i) =>
      i === 0
        ? { status: 429, headers: { 'retry-after': '1' }, body: 'rate_limited' }
        : { status: 200, body: 'ok' },
    );
    const log = collectingLogger();
    const result = await deliver(
      { kind: 'webhook', url: `${s.url}hook` },
      { message },
      { policy: fast, log },
    );
    assert.equal(result.attempts, 2);
    assert.equal(s.received.length, 2);
    // The back-off policy would wait 20-50 ms: 1.0 s is the Retry-After, not the policy.
    const retries = log.lines.filter((l) => /retrying in/.test(l));
    assert.equal(retries.length, 1, log.lines.join('\n'));
    assert.match(retries[0] ?? '', /HTTP 429 Too Many Requests, Retry-After 1 s.*retrying in 1\.0 s/);
  });

  it('gives up at once when Retry-After is longer than the time left', async () => {
    const s = await server(() => ({ status: 429, headers: { 'retry-after': '120' } }));
    const log = collectingLogger();
    await failure(
      () =>
        deliver(
          { kind: 'webhook', url: `${s.url}hook` },
          { message },
          { policy: { ...fast, timeoutMs: 5000 }, log },
        ),
      (err) =>
        assert.match(
          err.message,
          /Slack asked to wait 120 s \(Retry-After\), more than the .* left of the 5 s timeout, so it was not retried/,
        ),
    );
    assert.equal(s.received.length, 1);
    assert.deepEqual(
      log.lines.filter((l) => /retrying|waiting/i.test(l)),
      [],
      'no wait was started',
    );
  });

  it('backs off after 5xx and dropped connections, then succeeds', async () => {
    const s = await server((i) =>
      i === 0
        ? { status: 503, body: 'service_unavailable' }
        : i === 1
          ? 'reset'
          : { status: 200, body: 'ok' },
    );
    const result = await deliver(
      { kind: 'webhook', url: `${s.url}hook` },
      { message },
      { policy: fast, log: silentLogger },
    );
    assert.equal(result.attempts, 3);
  });

  it('stops after the retries are spent, saying what Slack answered', async () => {
    const s = await server(() => ({ status: 500, body: 'rollup_error' }));
    await failure(
      () =>
        deliver(
          { kind: 'webhook', url: `${s.url}hook` },
          { message },
          { policy: { ...fast, retries: 2 }, log: silentLogger },
        ),
      (err) =>
        assert.match(
          err.message,
          /^posting to the incoming webhook at 127\.0\.0\.1:\d+ failed: Slack answered HTTP 500 rollup_error; gave up after 3 attempts$/,
        ),
    );
    assert.equal(s.received.length, 3);
  });

  it('does not retry a refusal and explains the code', async () => {
    const s = await server(() => ({ status: 404, body: 'no_service' }));
    await failure(
      () =>
        deliver({ kind: 'webhook', url: `${s.url}hook` }, { message }, { policy: fast, log: silentLogger }),
      (err) => {
        assert.equal(err.code, 'no_service');
        assert.match(
          err.message,
          /HTTP 404 no_service: this webhook was disabled or removed; create a new incoming webhook/,
        );
      },
    );
    assert.equal(s.received.length, 1);
  });

  it('never shows the webhook URL, even when a server echoes it', async () => {
    const s = await server(() => ({ status: 400, body: 'bad request to /services/T1/B2/verysecrettoken' }));
    const url = `${s.url}services/T1/B2/verysecrettoken`;
    await failure(
      () => deliver({ kind: 'webhook', url }, { message }, { policy: fast, log: silentLogger }),
      (err) => {
        assert.doesNotMatch(err.message, /verysecrettoken/);
        assert.match(err.message, /\*\*\*/);
      },
    );
  });

  it('retries a refused connection and then reports Slack unreachable', async () => {
    const s = await server(() => ({ status: 200, body: 'ok' }));
    const url = `${s.url}hook`;
    await s.close();
    await failure(
      () =>
        deliver(
          { kind: 'webhook', url },
          { message },
          { policy: { ...fast, retries: 1 }, log: silentLogger },
        ),
      (err) => assert.match(err.message, /could not reach Slack \(ECONNREFUSED\); gave up after 2 attempts/),
    );
  });
});

describe('Web API delivery', () => {
  const api = (url: string, channel = '#deploys') => ({
    kind: 'api' as const,
    token: TOKEN,
    channel,
    apiUrl: `${url}api/`,
  });

  it('posts with chat.postMessage, the token as a Bearer header, and returns ts and channel', async () => {
    const s = await server(() => slackJson({ ok: true, channel: 'C0DEPLOYS', ts: '1700000001.000200' }));
    const result = await deliver(
      api(s.url),
      { message: { text: 'hi', unfurl_links: false }, threadTs: '1700000000.000100', replyBroadcast: true },
      { policy: fast, log: silentLogger },
    );
    assert.deepEqual(result, {
      ts: '1700000001.000200',
      channel: 'C0DEPLOYS',
      threadTs: '1700000000.000100',
      attempts: 1,
      method: 'chat.postMessage',
    });
    const req = s.received[0];
    assert.equal(req?.path, '/api/chat.postMessage');
    assert.equal(req?.headers.authorization, `Bearer ${TOKEN}`);
    const form = new URLSearchParams(req?.body);
    assert.equal(form.get('channel'), '#deploys');
    assert.equal(form.get('thread_ts'), '1700000000.000100');
    assert.equal(form.get('reply_broadcast'), 'true');
    assert.equal(form.get('text'), 'hi');
  });

  it('answers thread-ts with the message itself when not replying', async () => {
    const s = await server(() => slackJson({ ok: true, channel: 'C1', ts: '1700000002.000300' }));
    const result = await deliver(api(s.url), { message }, { policy: fast, log: silentLogger });
    assert.equal(result.threadTs, '1700000002.000300');
  });

  it('updates with chat.update, sending only what chat.update takes', async () => {
    const s = await server(() => slackJson({ ok: true, channel: 'C1', ts: '1700000002.000300' }));
    const result = await deliver(
      api(s.url, 'C1'),
      {
        message: { text: 'done', attachments: [{ color: '#2EB886' }], unfurl_links: false },
        messageTs: '1700000002.000300',
        threadTs: '1700000000.000100',
      },
      { policy: fast, log: silentLogger },
    );
    assert.equal(result.method, 'chat.update');
    const req = s.received[0];
    assert.equal(req?.path, '/api/chat.update');
    const form = new URLSearchParams(req?.body);
    assert.equal(form.get('ts'), '1700000002.000300');
    assert.equal(form.get('channel'), 'C1');
    assert.equal(form.get('attachments'), '[{"color":"#2EB886"}]');
    assert.equal(form.get('unfurl_links'), null);
    assert.equal(form.get('thread_ts'), null);
  });

  it('waits out a 429 Retry-After instead of the client retrying for half an hour', async () => {
    const s = await server((i) =>
      i === 0
        ? slackJson({ ok: false, error: 'ratelimited' }, 429, { 'retry-after': '1' })
        : slackJson({ ok: true, channel: 'C1', ts: '1.2' }),
    );
    const log = collectingLogger();
    const result = await deliver(api(s.url), { message }, { policy: fast, log });
    assert.equal(result.attempts, 2);
    assert.equal(s.received.length, 2, 'one retry, not the Web API client retrying on its own');
    const retries = log.lines.filter((l) => /retrying in/.test(l));
    assert.equal(retries.length, 1, log.lines.join('\n'));
    assert.match(retries[0] ?? '', /Retry-After 1 s.*retrying in 1\.0 s \(attempt 2 of 4\)/);
  });

  it('retries a 5xx and a dropped connection', async () => {
    const s = await server((i) =>
      i === 0
        ? { status: 502, body: 'bad gateway' }
        : i === 1
          ? 'reset'
          : slackJson({ ok: true, channel: 'C1', ts: '1.2' }),
    );
    const result = await deliver(api(s.url), { message }, { policy: fast, log: silentLogger });
    assert.equal(result.attempts, 3);
  });

  it('reports ok:false with the code and what to do, without retrying', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { error: 'channel_not_found' },
        /Slack answered channel_not_found: no channel #deploys visible to this token/,
      ],
      [{ error: 'not_in_channel' }, /not_in_channel: the app is not a member of #deploys: invite it/],
      [{ error: 'invalid_auth' }, /invalid_auth: the token is not valid/],
      [
        { error: 'missing_scope', needed: 'chat:write' },
        /missing_scope: the token lacks the chat:write scope/,
      ],
      [
        {
          error: 'invalid_blocks',
          response_metadata: {
            messages: ['[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]'],
          },
        },
        /invalid_blocks: Slack refused the blocks \(Slack said: \[ERROR\] must be less than 3001 characters/,
      ],
      [
        { error: 'something_new' },
        /something_new: see https:\/\/api\.slack\.com\/methods\/chat\.postMessage#errors/,
      ],
    ];
    for (const [body, pattern] of cases) {
      const s = await server(() => slackJson({ ok: false, ...body }));
      await failure(
        () => deliver(api(s.url), { message }, { policy: fast, log: silentLogger }),
        (err) => {
          assert.match(err.message, pattern);
          assert.equal(err.code, body.error);
          assert.doesNotMatch(err.message, new RegExp(TOKEN));
        },
      );
      assert.equal(s.received.length, 1, String(body.error));
    }
  });

  it('explains message_not_found on update with the ts and channel given', async () => {
    const s = await server(() => slackJson({ ok: false, error: 'message_not_found' }));
    await failure(
      () =>
        deliver(
          api(s.url, 'C1'),
          { message, messageTs: '1700000000.000100' },
          { policy: fast, log: silentLogger },
        ),
      (err) =>
        assert.match(
          err.message,
          /^chat\.update \(updating message 1700000000\.000100 in C1\) failed: Slack answered message_not_found: no message 1700000000\.000100 in C1: message-ts must be the ts output/,
        ),
    );
  });

  it('points at SLACK_API_URL when the API base answers 404', async () => {
    const s = await server(() => ({ status: 404, body: 'not here' }));
    await failure(
      () => deliver(api(s.url), { message }, { policy: fast, log: silentLogger }),
      (err) =>
        assert.match(
          err.message,
          /HTTP 404 at http:\/\/127\.0\.0\.1:\d+\/api\/chat\.postMessage; if SLACK_API_URL is set/,
        ),
    );
  });

  it('keeps the token out of the debug log of the client', async () => {
    const s = await server(() => slackJson({ ok: true, channel: 'C1', ts: '1.2' }));
    const log = collectingLogger();
    await deliver(api(s.url), { message }, { policy: fast, log });
    assert.ok(
      log.lines.some((l) => l.includes('slack web-api')),
      'the client logged nothing',
    );
    assert.ok(!log.lines.some((l) => l.includes(TOKEN)));
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    assert.equal(parseRetryAfter('30'), 30_000);
    assert.equal(
      parseRetryAfter('Wed, 01 May 2024 12:00:10 GMT', Date.parse('2024-05-01T12:00:00Z')),
      10_000,
    );
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter(null), undefined);
  });
});
