import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Block, type TextObject, buildDefaultMessage, parseStatus, statusStyle } from '@slipway/slack';
import { pushRun, successFacts } from './fixtures.ts';

/** The field texts of every section in the message's attachment, in order. */
function fieldTexts(blocks: Block[] | undefined): string[] {
  return (blocks ?? []).flatMap((b) => ((b.fields as TextObject[] | undefined) ?? []).map((f) => f.text));
}

describe('buildDefaultMessage', () => {
  it('says status, title and what happened in the notification text', () => {
    const message = buildDefaultMessage(successFacts());
    assert.equal(message.text, ':white_check_mark: *Deploy api* succeeded');
  });

  it('colours the attachment bar by status', () => {
    for (const [status, color] of [
      ['started', '#1D9BD1'],
      ['success', '#2EB886'],
      ['failure', '#A30200'],
      ['cancelled', '#808080'],
      ['skipped', '#C0C0C0'],
    ] as const) {
      const message = buildDefaultMessage(successFacts({ status }));
      assert.equal(message.attachments?.[0]?.color, color, status);
      assert.ok(message.text?.startsWith(statusStyle(status).emoji), status);
    }
  });

  it('lists repository, ref, commit, actor, run and duration, each linked where GitHub has a page', () => {
    const message = buildDefaultMessage(successFacts());
    assert.deepEqual(fieldTexts(message.attachments?.[0]?.blocks), [
      '*Repository*\n<https://github.com/octo/api|octo/api>',
      '*Ref*\n<https://github.com/octo/api/tree/main|main>',
      '*Commit*\n<https://github.com/octo/api/commit/0123456789abcdef0123456789abcdef01234567|0123456> Fix the &lt;login&gt; &amp; signup flow',
      '*Actor*\nmona',
      '*Run*\n<https://github.com/octo/api/actions/runs/987654321|Deploy #42>',
      '*Duration*\n3m 12s',
      '*environment*\nproduction',
    ]);
    assert.equal(message.unfurl_links, false);
  });

  it('links the attempt of a re-run', () => {
    const message = buildDefaultMessage(successFacts({ run: pushRun({ runAttempt: '3' }) }));
    assert.ok(
      fieldTexts(message.attachments?.[0]?.blocks).includes(
        '*Run*\n<https://github.com/octo/api/actions/runs/987654321/attempts/3|Deploy #42 (attempt 3)>',
      ),
    );
  });

  it('links the pull request instead of the branch for pull_request runs', () => {
    const run = pushRun({
      ref: 'feature/x',
      pullRequest: { number: 7, url: 'https://github.com/octo/api/pull/7', title: 't' },
    });
    const texts = fieldTexts(buildDefaultMessage(successFacts({ run })).attachments?.[0]?.blocks);
    assert.ok(
      texts.includes('*Pull request*\n<https://github.com/octo/api/pull/7|feature/x (#7)>'),
      texts.join('\n'),
    );
  });

  it('shows when a started deployment began instead of a duration', () => {
    const facts = successFacts({ status: 'started', startedAt: new Date('2024-05-01T12:00:00Z') });
    const texts = fieldTexts(buildDefaultMessage(facts).attachments?.[0]?.blocks);
    assert.ok(
      texts.includes(
        '*Started*\n<!date^1714564800^{date_short_pretty} {time_secs}|2024-05-01T12:00:00.000Z>',
      ),
    );
    assert.ok(!texts.some((t) => t.startsWith('*Duration*')));
  });

  it('leaves the duration out when the start is unknown', () => {
    const facts = successFacts();
    delete facts.startedAt;
    const texts = fieldTexts(buildDefaultMessage(facts).attachments?.[0]?.blocks);
    assert.ok(!texts.some((t) => t.startsWith('*Duration*')));
  });

  it('escapes fields, links URL values and puts at most 10 fields in a section', () => {
    const fields: [string, string][] = Array.from({ length: 12 }, (_, i) => [`k${i}`, `v${i}`]);
    fields[0] = ['image <digest>', 'sha256:abc & def'];
    fields[1] = ['S3', 'https://s3.example.com/bucket/key?a=1&b=2'];
    fields[2] = ['empty', ''];
    const blocks = buildDefaultMessage(successFacts({ fields })).attachments?.[0]?.blocks ?? [];
    const sections = blocks.map((b) => (b.fields as TextObject[]).length);
    assert.deepEqual(sections, [6, 10, 2]);
    const texts = fieldTexts(blocks);
    assert.ok(texts.includes('*image &lt;digest&gt;*\nsha256:abc &amp; def'));
    assert.ok(texts.includes('*S3*\n<https://s3.example.com/bucket/key?a=1&amp;b=2>'));
    assert.ok(texts.includes('*empty*\n_none_'));
  });

  it('sends only the summary line when the run context is empty', () => {
    const message = buildDefaultMessage({
      run: pushRun({ repository: '', ref: '', sha: '', actor: '', runId: '' }),
      status: 'failure',
      title: 'x',
      fields: [],
      now: new Date(),
    });
    assert.equal(message.attachments, undefined);
    assert.equal(message.text, ':x: *x* failed');
  });
});

describe('parseStatus', () => {
  it("accepts GitHub's job.status values in any case, and canceled", () => {
    assert.equal(parseStatus('Success'), 'success');
    assert.equal(parseStatus('FAILURE'), 'failure');
    assert.equal(parseStatus('cancelled'), 'cancelled');
    assert.equal(parseStatus('canceled'), 'cancelled');
    assert.equal(parseStatus(' skipped '), 'skipped');
    assert.equal(parseStatus('started'), 'started');
    assert.equal(parseStatus('done'), undefined);
  });
});
