import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeTemplateProblems, renderTemplates, templateValues } from '@slipway/slack';
import { successFacts } from './fixtures.ts';

const values = templateValues(
  successFacts({
    fields: [
      ['version', '1.4.2'],
      ['note', 'a < b & c'],
    ],
  }),
);

describe('templateValues', () => {
  it('offers the facts of the default message and each field', () => {
    assert.equal(values.status, 'success');
    assert.equal(values.status_text, 'succeeded');
    assert.equal(values.emoji, ':white_check_mark:');
    assert.equal(values.short_sha, '0123456');
    assert.equal(
      values.commit_url,
      'https://github.com/octo/api/commit/0123456789abcdef0123456789abcdef01234567',
    );
    assert.equal(values.run_url, 'https://github.com/octo/api/actions/runs/987654321');
    assert.equal(values.duration, '3m 12s');
    assert.equal(values.commit_message, 'Fix the <login> & signup flow');
    assert.equal(values['fields.version'], '1.4.2');
  });
});

describe('renderTemplates', () => {
  it('escapes values in mrkdwn but not in plain_text, URLs or ids', () => {
    const { message, problems } = renderTemplates(
      {
        text: '{{ emoji }} {{ commit_message }}',
        blocks: [
          { type: 'header', text: { type: 'plain_text', text: '{{ commit_message }}' } },
          {
            type: 'section',
            text: { type: 'mrkdwn', text: '*{{title}}*: {{ fields.note }} <{{ run_url }}|run>' },
          },
          {
            type: 'actions',
            elements: [
              {
                type: 'button',
                text: { type: 'plain_text', text: 'Open' },
                url: '{{ commit_url }}?q={{ fields.note }}',
                value: '{{ fields.note }}',
              },
            ],
          },
        ],
        attachments: [{ color: '{{ color }}', text: '{{ fields.note }}', fallback: '{{ fields.note }}' }],
      },
      values,
    );
    assert.deepEqual(problems, { unknown: [], expressions: [] });
    assert.equal(message.text, ':white_check_mark: Fix the &lt;login&gt; &amp; signup flow');
    const blocks = message.blocks as {
      text?: { text: string };
      elements?: { url: string; value: string }[];
    }[];
    assert.equal(blocks[0]?.text?.text, 'Fix the <login> & signup flow');
    assert.equal(
      blocks[1]?.text?.text,
      '*Deploy api*: a &lt; b &amp; c <https://github.com/octo/api/actions/runs/987654321|run>',
    );
    assert.equal(
      blocks[2]?.elements?.[0]?.url,
      'https://github.com/octo/api/commit/0123456789abcdef0123456789abcdef01234567?q=a < b & c',
    );
    assert.equal(blocks[2]?.elements?.[0]?.value, 'a < b & c');
    assert.deepEqual(message.attachments, [
      { color: '#2EB886', text: 'a &lt; b &amp; c', fallback: 'a < b & c' },
    ]);
  });

  it('treats top-level text as plain when mrkdwn is false', () => {
    const { message } = renderTemplates({ text: '{{ fields.note }}', mrkdwn: false }, values);
    assert.equal(message.text, 'a < b & c');
  });

  it('reports unknown placeholders and leaves them in place', () => {
    const { message, problems } = renderTemplates(
      { text: '{{ verison }} {{fields.nope}} {{ status }}' },
      values,
    );
    assert.deepEqual(problems.unknown, ['verison', 'fields.nope']);
    assert.equal(message.text, '{{ verison }} {{fields.nope}} success');
    const said = describeTemplateProblems(problems, values);
    assert.match(said, /unknown placeholders \{\{ verison \}\}, \{\{ fields\.nope \}\}; known: status, /);
    assert.match(said, /fields\.version, fields\.note/);
  });

  it('reports ${{ }} expressions, which GitHub never evaluates inside a payload file', () => {
    const { problems } = renderTemplates({ text: 'sha ${{ github.sha }}' }, values);
    assert.deepEqual(problems.expressions, ['${{ github.sha }}']);
    assert.match(describeTemplateProblems(problems, values), /GitHub does not evaluate inside a file/);
  });

  it('does not change its input', () => {
    const input = { text: '{{ status }}' };
    renderTemplates(input, values);
    assert.deepEqual(input, { text: '{{ status }}' });
  });
});
