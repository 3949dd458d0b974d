import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Block, ELLIPSIS, SLACK_LIMITS, type SlackMessage, fitToLimits } from '@slipway/slack';

const section = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text } });
const textOf = (block: Block | undefined) => (block?.text as { text: string } | undefined)?.text ?? '';

/** Every rule the Slack double and Slack itself apply; the test fails naming the first one broken. */
function assertWithinLimits(message: SlackMessage): void {
  const blocks = [...(message.blocks ?? []), ...(message.attachments ?? []).flatMap((a) => a.blocks ?? [])];
  assert.ok(blocks.length <= SLACK_LIMITS.blocks, `${blocks.length} blocks`);
  let total = message.text?.length ?? 0;
  for (const block of blocks) {
    if (block.type === 'section') {
      assert.ok(textOf(block).length <= SLACK_LIMITS.sectionText, 'section text');
      const fields = (block.fields as { text: string }[] | undefined) ?? [];
      assert.ok(fields.length <= SLACK_LIMITS.sectionFields, 'fields per section');
      for (const f of fields) assert.ok(f.text.length <= SLACK_LIMITS.fieldText, 'field text');
      total += textOf(block).length + fields.reduce((s, f) => s + f.text.length, 0);
    }
    if (block.type === 'header') assert.ok(textOf(block).length <= SLACK_LIMITS.headerText, 'header text');
  }
  assert.ok(total <= SLACK_LIMITS.messageText, `total ${total}`);
}

describe('fitToLimits', () => {
  it('changes nothing in a message within the limits', () => {
    const message = { text: 'hi', blocks: [section('a'), { type: 'divider' }] };
    assert.deepEqual(fitToLimits(message), { message, changes: [] });
  });

  it('cuts section text to 3000 and header text to 150 characters with an ellipsis', () => {
    const { message, changes } = fitToLimits({
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'H'.repeat(400) } },
        section('s'.repeat(5000)),
      ],
    });
    assert.equal(textOf(message.blocks?.[0]).length, 150);
    assert.equal(textOf(message.blocks?.[1]).length, 3000);
    assert.ok(textOf(message.blocks?.[1]).endsWith(ELLIPSIS));
    assert.deepEqual(changes, [
      'blocks[0].text.text shortened from 400 to 150 characters',
      'blocks[1].text.text shortened from 5000 to 3000 characters',
    ]);
    assertWithinLimits(message);
  });

  it('splits a section with more than 10 fields and cuts fields to 2000 characters', () => {
    const fields = Array.from({ length: 23 }, (_, i) => ({
      type: 'mrkdwn',
      text: i === 0 ? 'f'.repeat(2500) : `f${i}`,
    }));
    const { message } = fitToLimits({
      attachments: [{ color: '#000', blocks: [{ type: 'section', fields }] }],
    });
    const blocks = message.attachments?.[0]?.blocks ?? [];
    assert.deepEqual(
      blocks.map((b) => (b.fields as unknown[]).length),
      [10, 10, 3],
    );
    assert.equal((blocks[0]?.fields as { text: string }[])[0]?.text.length, 2000);
    assertWithinLimits(message);
  });

  it('keeps 49 of too many blocks and says how many were left out', () => {
    const { message } = fitToLimits({ blocks: Array.from({ length: 80 }, (_, i) => section(`b${i}`)) });
    assert.equal(message.blocks?.length, 50);
    assert.equal(textOf(message.blocks?.[48]), 'b48');
    const note = message.blocks?.[49] as { type: string; elements: { text: string }[] };
    assert.equal(note.type, 'context');
    assert.equal(note.elements[0]?.text, '…and 31 more blocks not shown (Slack shows at most 50)');
  });

  it('counts attachment blocks against the same 50', () => {
    const { message } = fitToLimits({
      blocks: Array.from({ length: 30 }, () => section('top')),
      attachments: [{ color: '#000', blocks: Array.from({ length: 30 }, () => section('att')) }],
    });
    assert.equal(message.blocks?.length, 30);
    assert.equal(message.attachments?.[0]?.blocks?.length, 20);
    assertWithinLimits(message);
  });

  it('shortens the longest texts until the whole message is within 40 000 characters', () => {
    const { message, changes } = fitToLimits({
      text: 't'.repeat(30_000),
      blocks: Array.from({ length: 20 }, () => section('s'.repeat(2900))),
    });
    assertWithinLimits(message);
    assert.ok((message.text?.length ?? 0) < 30_000);
    assert.match(changes.at(-1) ?? '', /had 88000 characters of text/);
  });

  it('removes blocks whose text is empty, which Slack would refuse', () => {
    const { message, changes } = fitToLimits({
      text: 'x',
      blocks: [section('  '), { type: 'header', text: { type: 'plain_text', text: '' } }, section('kept')],
    });
    assert.deepEqual(message.blocks, [section('kept')]);
    assert.equal(changes.length, 2);
  });

  it('never changes its input', () => {
    const input = { blocks: [section('s'.repeat(5000))] };
    fitToLimits(input);
    assert.equal(textOf(input.blocks[0]).length, 5000);
  });
});
