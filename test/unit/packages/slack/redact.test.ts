import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeDestination, redactor, webhookSecrets } from '@slipway/slack';

const URL_ = 'https://hooks.slack.com/services/T0001/B0002/XyZsecretTokenPart';

describe('webhookSecrets and redactor', () => {
  it('hide the webhook URL, its path and its token segment wherever they appear', () => {
    const secrets = webhookSecrets(URL_);
    assert.deepEqual(secrets, [URL_, '/services/T0001/B0002/XyZsecretTokenPart', 'XyZsecretTokenPart']);
    const redact = redactor(secrets);
    assert.equal(redact(`posting ${URL_} failed`), 'posting *** failed');
    assert.equal(
      redact('proxy said: no route for /services/T0001/B0002/XyZsecretTokenPart'),
      'proxy said: no route for ***',
    );
    assert.equal(redact('token XyZsecretTokenPart leaked'), 'token *** leaked');
  });

  it('ignore values too short to be secrets, which would blank out ordinary words', () => {
    assert.equal(redactor(['', 'ab'])('ab cd'), 'ab cd');
  });
});

describe('describeDestination', () => {
  it('names a webhook by its host only and a channel by its name', () => {
    assert.equal(describeDestination({ kind: 'webhook', url: URL_ }), 'incoming webhook (hooks.slack.com)');
    assert.equal(
      describeDestination({
        kind: 'api',
        token: 'xoxb-1',
        channel: '#deploys',
        apiUrl: 'https://slack.com/api/',
      }),
      '#deploys',
    );
  });
});
