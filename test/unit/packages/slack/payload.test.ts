import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PayloadError, parsePayload } from '@slipway/slack';

const rejects = (text: string, pattern: RegExp, syntax?: 'json' | 'yaml' | 'auto') =>
  assert.rejects(parsePayload(text, syntax), (err: unknown) => {
    assert.ok(err instanceof PayloadError);
    assert.match(err.message, pattern);
    return true;
  });

describe('parsePayload', () => {
  it('reads a full message written as JSON', async () => {
    const message = await parsePayload('{"text":"hi","blocks":[{"type":"divider"}],"unfurl_links":false}');
    assert.deepEqual(message, { text: 'hi', blocks: [{ type: 'divider' }], unfurl_links: false });
  });

  it('reads a full message written as YAML', async () => {
    const message = await parsePayload(
      'text: hi\nattachments:\n  - color: "#ff0000"\n    blocks:\n      - type: divider\n',
    );
    assert.deepEqual(message, {
      text: 'hi',
      attachments: [{ color: '#ff0000', blocks: [{ type: 'divider' }] }],
    });
  });

  it('reads a bare list of blocks as the message blocks', async () => {
    const message = await parsePayload(
      '- type: header\n  text: {type: plain_text, text: Hi}\n- type: divider',
    );
    assert.deepEqual(
      message.blocks?.map((b) => b.type),
      ['header', 'divider'],
    );
  });

  it('rejects text that is neither JSON nor YAML, naming the input and the reason', async () => {
    await rejects('{"text": "hi",, }', /payload: is not valid JSON or YAML \(/);
    await rejects('text: [unclosed', /payload: is not valid JSON or YAML/);
    await rejects('{"text": 1', /is not valid JSON/, 'json');
  });

  it('rejects values that are not a message', async () => {
    await rejects('just words', /must be a Slack message/);
    await rejects('{"username": "bot"}', /has nothing to send/);
    await rejects('[{"text": "no type"}]', /blocks\[0\] is not a block/);
    await rejects('{"blocks": {"type": "divider"}}', /blocks must be a list/);
    await rejects('{"attachments": [{"blocks": [3]}]}', /attachments\[0\]\.blocks\[0\] is not a block/);
  });
});
