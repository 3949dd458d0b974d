import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ActionError, InputError, mapInputs, readRunContext } from '@slipway/action-kit';
import { readInputs } from '../../../../actions/slack-notify/src/inputs.ts';

const WEBHOOK = 'https://hooks.slack.com/services/T000/B000/s3cr3tw3bh00k';
const TOKEN = 'xoxb-1-s3cr3t-t0k3n';
const read = (values: Record<string, string>, env: NodeJS.ProcessEnv = {}) =>
  readInputs(mapInputs({ status: 'success', ...values }), readRunContext(env), env);

async function inputError(
  values: Record<string, string>,
  input: string,
  pattern: RegExp,
  env: NodeJS.ProcessEnv = {},
) {
  await assert.rejects(read(values, env), (err: unknown) => {
    assert.ok(err instanceof InputError, String(err));
    assert.equal(err.input, input);
    assert.match(err.message, pattern);
    assert.doesNotMatch(err.message, /s3cr3t/, 'an input error showed a secret');
    return true;
  });
}

describe('readSlackNotifyInputs', () => {
  it('reads a webhook destination with defaults', async () => {
    const inputs = await read({ 'webhook-url': WEBHOOK });
    assert.deepEqual(inputs.destination, { kind: 'webhook', url: WEBHOOK });
    assert.equal(inputs.status, 'success');
    assert.equal(inputs.failOnError, false);
    assert.deepEqual(inputs.policy, { retries: 3, timeoutMs: 60_000 });
    assert.deepEqual(inputs.fields, []);
  });

  it('reads a token destination, with SLACK_API_URL as the base', async () => {
    const inputs = await read(
      { token: TOKEN, channel: '#deploys' },
      { SLACK_API_URL: 'http://127.0.0.1:9/api' },
    );
    assert.deepEqual(inputs.destination, {
      kind: 'api',
      token: TOKEN,
      channel: '#deploys',
      apiUrl: 'http://127.0.0.1:9/api/',
    });
  });

  it('reads fields in order, turning values into text', async () => {
    const inputs = await read({
      'webhook-url': WEBHOOK,
      fields: 'environment: production\nversion: 1.40\nreplicas: 3\nready: true\nempty:',
    });
    assert.deepEqual(inputs.fields, [
      ['environment', 'production'],
      ['version', '1.4'],
      ['replicas', '3'],
      ['ready', 'true'],
      ['empty', ''],
    ]);
  });

  it('reads started-at, else the time an earlier started step left', async () => {
    const given = await read({ 'webhook-url': WEBHOOK, 'started-at': '1714564800' });
    assert.equal(given.startedAt?.toISOString(), '2024-05-01T12:00:00.000Z');
    const inherited = await read(
      { 'webhook-url': WEBHOOK },
      { SLIPWAY_SLACK_STARTED_AT: '2024-05-01T12:00:00.000Z' },
    );
    assert.equal(inherited.startedAt?.toISOString(), '2024-05-01T12:00:00.000Z');
  });

  it('reads a payload file relative to the workspace, by its extension', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'slw-ws-'));
    writeFileSync(join(workspace, 'msg.yml'), 'text: hi');
    const inputs = await read(
      { 'webhook-url': WEBHOOK, 'payload-file': 'msg.yml' },
      { GITHUB_WORKSPACE: workspace },
    );
    assert.deepEqual(inputs.payload, { input: 'payload-file', text: 'text: hi', syntax: 'yaml' });
  });

  it('notes that channel is ignored with a webhook', async () => {
    const inputs = await read({ 'webhook-url': WEBHOOK, channel: '#x' });
    assert.match(inputs.notes[0] ?? '', /channel #x is ignored/);
  });
});

describe('readSlackNotifyInputs errors', () => {
  it('needs webhook-url or token', () =>
    inputError({}, 'webhook-url', /neither webhook-url nor token was given/));
  it('refuses both webhook-url and token', () =>
    inputError({ 'webhook-url': WEBHOOK, token: TOKEN, channel: '#d' }, 'token', /were both given/));
  it('needs a channel with token', () => inputError({ token: TOKEN }, 'channel', /is required with token/));
  it('refuses a webhook-url that is not a URL, without showing it', () =>
    inputError({ 'webhook-url': 'hooks.slack.com/s3cr3t' }, 'webhook-url', /is not an http\(s\) URL/));
  it('refuses a webhook URL passed as token', () =>
    inputError(
      { token: WEBHOOK, channel: '#d' },
      'token',
      /is a URL; an incoming webhook URL goes in webhook-url/,
    ));
  it('refuses an unknown status, listing the accepted ones', () =>
    inputError(
      { 'webhook-url': WEBHOOK, status: 'done' },
      'status',
      /"done" is not a status; use one of started, success, failure, cancelled, skipped/,
    ));
  it('refuses an empty status', () =>
    inputError({ 'webhook-url': WEBHOOK, status: '' }, 'status', /is empty/));
  it('refuses a message-ts that is not a Slack timestamp', () =>
    inputError(
      { token: TOKEN, channel: 'C1', 'message-ts': 'abc' },
      'message-ts',
      /is not a Slack message timestamp/,
    ));
  it('refuses message-ts with a webhook', () =>
    inputError(
      { 'webhook-url': WEBHOOK, 'message-ts': '1700000000.000100' },
      'message-ts',
      /cannot update messages|can post but not update/,
    ));
  it('refuses payload and payload-file together', () =>
    inputError(
      { 'webhook-url': WEBHOOK, payload: '{}', 'payload-file': 'x.json' },
      'payload-file',
      /both given/,
    ));
  it('refuses a payload file that does not exist', () =>
    inputError(
      { 'webhook-url': WEBHOOK, 'payload-file': 'nope.json' },
      'payload-file',
      /"nope.json" is not a file/,
      { GITHUB_WORKSPACE: tmpdir() },
    ));
  it('refuses fields that are not a mapping', () =>
    inputError({ 'webhook-url': WEBHOOK, fields: '- a\n- b' }, 'fields', /must be a mapping/));
  it('refuses a started-at that is not a time', () =>
    inputError({ 'webhook-url': WEBHOOK, 'started-at': 'yesterday' }, 'started-at', /is not a time/));
  it('refuses retries out of range', () =>
    inputError({ 'webhook-url': WEBHOOK, retries: '50' }, 'retries', /from 0 to 10/));
  it('refuses a timeout out of range', () =>
    inputError({ 'webhook-url': WEBHOOK, timeout: '2h' }, 'timeout', /from 1s to 10m/));
  it('refuses a SLACK_API_URL that is not a URL', () =>
    assert.rejects(read({ token: TOKEN, channel: '#d' }, { SLACK_API_URL: 'slack api' }), ActionError));
});
