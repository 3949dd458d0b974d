import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ELLIPSIS, escapeMrkdwn, mrkdwnLink, truncateText } from '@slipway/slack';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('escapeMrkdwn', () => {
  it('escapes exactly &, < and >', () => {
    assert.equal(escapeMrkdwn('a & b <!channel> "q" \'s\''), 'a &amp; b &lt;!channel&gt; "q" \'s\'');
  });
});

describe('mrkdwnLink', () => {
  it('escapes the label and keeps a pipe in the URL from ending it', () => {
    assert.equal(
      mrkdwnLink('https://x.test/a?b=1&c=|', 'fix <bug> & more'),
      '<https://x.test/a?b=1&amp;c=%7C|fix &lt;bug&gt; &amp; more>',
    );
  });
});

describe('truncateText', () => {
  it('leaves text within the limit untouched', () => {
    assert.equal(truncateText('abc', 3), 'abc');
  });

  it('cuts to exactly the limit and ends with an ellipsis', () => {
    const out = truncateText('x'.repeat(5000), 3000);
    assert.equal(out.length, 3000);
    assert.ok(out.endsWith(ELLIPSIS));
  });

  it('never splits a surrogate pair', () => {
    const text = '😀'.repeat(10); // 20 UTF-16 units
    for (let max = 2; max < 20; max++) {
      const out = truncateText(text, max);
      assert.ok(out.length <= max, `max ${max}`);
      assert.doesNotMatch(out, LONE_SURROGATE, `max ${max}: ${JSON.stringify(out)}`);
    }
  });

  it('never splits an &amp; escape in mrkdwn', () => {
    const text = 'aaaa&amp;bbbbbbbbbb';
    for (let max = 4; max < text.length; max++) {
      const out = truncateText(text, max, 'mrkdwn');
      assert.ok(out.length <= max);
      assert.doesNotMatch(out, /&(a|am|amp|l|lt|g|gt)?…/, `max ${max}: ${out}`);
    }
  });

  it('never splits a <url|label> link in mrkdwn, but may in plain text', () => {
    const text = 'see <https://example.com/run/1|the run> now';
    for (let max = 5; max < text.length; max++) {
      const out = truncateText(text, max, 'mrkdwn');
      const opens = (out.match(/</g) ?? []).length;
      const closes = (out.match(/>/g) ?? []).length;
      assert.equal(opens, closes, `max ${max}: ${out}`);
    }
    assert.equal(truncateText(text, 20, 'plain'), 'see <https://exampl…');
  });

  it('closes a code block the cut left open in mrkdwn', () => {
    const out = truncateText('log:\n```\n' + 'line\n'.repeat(100) + '```', 60, 'mrkdwn');
    assert.ok(out.length <= 60);
    assert.equal(out.split('```').length - 1, 2, out);
    assert.ok(out.endsWith(`${ELLIPSIS}\n\`\`\``));
  });
});
