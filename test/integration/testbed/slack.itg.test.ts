import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { WebClient, WebClientEvent } from '@slack/web-api';
import { IncomingWebhook } from '@slack/webhook';
import { testbed, type RecordedRequest, type SlackMessage } from '@slipway/testbed';

const url = () => testbed().slack.url;
const client = (token = 'xoxb-test-token') =>
  new WebClient(token, { slackApiUrl: `${url()}api/`, retryConfig: { retries: 0 } });
const control = async <T>(path: string, body?: unknown): Promise<T> => {
  const res = await fetch(
    `${url()}_control/${path}`,
    body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) },
  );
  assert.equal(res.status, 200);
  return (await res.json()) as T;
};
const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

/** The Slack error code of a failed Web API call. */
async function slackError(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    const data = (err as { data?: { error?: string } }).data;
    if (data?.error) return data.error;
    throw err;
  }
  assert.fail('the call was expected to fail');
}

beforeEach(() => control('reset', {}));

test('the Slack double posts and updates a message through @slack/web-api', async () => {
  const slack = client();
  const posted = await slack.chat.postMessage({
    channel: '#deploys',
    text: 'Deploying shop',
    blocks: [section('*Deploying*')],
  });
  assert.ok(posted.ok);
  assert.match(posted.channel ?? '', /^C[A-Z0-9]+$/);
  assert.match(posted.ts ?? '', /^\d{10}\.\d{6}$/);
  const updated = await slack.chat.update({
    channel: posted.channel ?? '',
    ts: posted.ts ?? '',
    text: 'Deployed shop',
  });
  assert.ok(updated.ok);

  const messages = await control<SlackMessage[]>('messages');
  assert.equal(messages.length, 1);
  assert.equal(messages[0]?.text, 'Deployed shop');
  assert.equal(messages[0]?.updates, 1);
  assert.equal(messages[0]?.history[0]?.text, 'Deploying shop');

  const requests = await control<RecordedRequest[]>('requests');
  assert.deepEqual(
    requests.map((r) => r.path),
    ['/api/chat.postMessage', '/api/chat.update'],
  );
  assert.equal(requests[0]?.headers.authorization, 'Bearer xoxb-test-token');
});

test('the Slack double answers invalid_auth, channel_not_found and message_not_found like Slack', async () => {
  assert.equal(await slackError(client('xoxb-invalid').auth.test()), 'invalid_auth');
  assert.equal((await client().auth.test()).team_id?.startsWith('T'), true);
  assert.equal(await slackError(client().chat.postMessage({ channel: '', text: 'x' })), 'channel_not_found');
  // chat.update needs the channel ID chat.postMessage returned, not the name.
  const posted = await client().chat.postMessage({ channel: 'deploys', text: 'x' });
  assert.equal(
    await slackError(client().chat.update({ channel: 'deploys', ts: posted.ts ?? '', text: 'y' })),
    'channel_not_found',
  );
  assert.equal(
    await slackError(client().chat.update({ channel: posted.channel ?? '', ts: '1.000001', text: 'y' })),
    'message_not_found',
  );
});

test("the Slack double rejects messages over Slack's block limits with invalid_blocks", async () => {
  const slack = client();
  const post = (blocks: unknown[]) =>
    slackError(slack.chat.postMessage({ channel: '#deploys', text: 'x', blocks: blocks as never }));
  assert.equal(await post(Array.from({ length: 51 }, (_, i) => section(`block ${i}`))), 'invalid_blocks');
  assert.equal(await post([section('x'.repeat(3001))]), 'invalid_blocks');
  assert.equal(
    await post([{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }]),
    'invalid_blocks',
  );
  assert.equal(
    await post([
      { type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) },
    ]),
    'invalid_blocks',
  );
  assert.equal(
    await post([{ type: 'section', fields: [{ type: 'mrkdwn', text: 'f'.repeat(2001) }] }]),
    'invalid_blocks',
  );
  assert.equal(
    await slackError(slack.chat.postMessage({ channel: '#deploys', text: 't'.repeat(40_001) })),
    'msg_too_long',
  );
  // Exactly at the limits is fine.
  const atLimits = await slack.chat.postMessage({
    channel: '#deploys',
    text: 'x',
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(150) } },
      section('x'.repeat(3000)),
      ...Array.from({ length: 48 }, (_, i) => section(`block ${i}`)),
    ],
  });
  assert.ok(atLimits.ok);
});

test('the Slack double answers 429 with Retry-After on demand and @slack/web-api waits it out', async () => {
  await control('fail', { times: 1, status: 429, retryAfter: 1, match: '/api/chat.postMessage' });
  const slack = new WebClient('xoxb-test-token', { slackApiUrl: `${url()}api/` });
  // The client announces each rate limit with the Retry-After it read, then waits that long.
  const rateLimited: number[] = [];
  slack.on(WebClientEvent.RATE_LIMITED, (retrySec: number) => rateLimited.push(retrySec));
  const posted = await slack.chat.postMessage({ channel: '#deploys', text: 'after the rate limit' });
  assert.ok(posted.ok);
  assert.deepEqual(rateLimited, [1], 'the client read Retry-After: 1 from the double');
  const requests = await control<RecordedRequest[]>('requests');
  assert.deepEqual(
    requests.map((r) => r.status),
    [429, 200],
  );
});

test('the Slack double can fail with 500 or reset the connection', async () => {
  await control('fail', { times: 1, status: 500 });
  const failed = await fetch(`${url()}api/auth.test`, {
    method: 'POST',
    headers: { authorization: 'Bearer xoxb-a' },
  });
  assert.equal(failed.status, 500);
  await control('fail', { times: 1, status: 'reset' });
  await assert.rejects(
    fetch(`${url()}api/auth.test`, { method: 'POST', headers: { authorization: 'Bearer xoxb-a' } }),
  );
  const ok = await fetch(`${url()}api/auth.test`, {
    method: 'POST',
    headers: { authorization: 'Bearer xoxb-a' },
  });
  assert.equal(((await ok.json()) as { ok: boolean }).ok, true);
});

test('the Slack double takes incoming webhooks and answers like Slack for bad ones', async () => {
  const hook = `${url()}services/T0001/B0001/abcDEF123`;
  const sent = await new IncomingWebhook(hook).send({
    text: 'Deployed shop',
    blocks: [section('*Deployed*')],
  });
  assert.equal(sent.text, 'ok');
  const messages = await control<SlackMessage[]>('messages');
  assert.equal(messages[0]?.via, 'webhook');
  assert.equal(messages[0]?.text, 'Deployed shop');

  const post = (target: string, body: string) =>
    fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const tooMany = await post(
    hook,
    JSON.stringify({ text: 'x', blocks: Array.from({ length: 51 }, () => section('x')) }),
  );
  assert.deepEqual([tooMany.status, await tooMany.text()], [400, 'invalid_blocks']);
  const garbage = await post(hook, '{not json');
  assert.deepEqual([garbage.status, await garbage.text()], [400, 'invalid_payload']);
  const unknown = await post(`${url()}services/T0001/B0001/revoked`, JSON.stringify({ text: 'x' }));
  assert.deepEqual([unknown.status, await unknown.text()], [404, 'no_service']);
  await control('fail', { times: 1, status: 429, retryAfter: 2, match: '/services/' });
  const limited = await post(hook, JSON.stringify({ text: 'x' }));
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('retry-after'), '2');
});
