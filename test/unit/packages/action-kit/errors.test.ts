/** asInput: a package's ParameterError becomes an InputError naming the input; nothing else changes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ActionError, InputError, ParameterError, asInput } from '@slipway/action-kit';
import { AwsParameterError, resolveRegion } from '@slipway/aws';
import { PayloadError } from '@slipway/slack';

describe('asInput', () => {
  it('names the input in front of what a package says about its parameter', () => {
    assert.throws(
      () => asInput('region', () => resolveRegion('mars-1', {})),
      (err: unknown) => {
        assert.ok(err instanceof InputError);
        assert.equal(err.input, 'region');
        assert.match(err.message, /^input region: /);
        assert.doesNotMatch(err.message, /input region: region:/);
        return true;
      },
    );
  });
  it('does the same for a promise that rejects', async () => {
    await assert.rejects(
      asInput('payload', () => Promise.reject(new PayloadError('line 2: not JSON'))),
      { name: 'InputError', message: 'input payload: line 2: not JSON' },
    );
  });
  it('returns what the work returns, sync or async', async () => {
    assert.equal(
      asInput('x', () => 1),
      1,
    );
    assert.equal(await asInput('x', () => Promise.resolve(2)), 2);
  });
  it('lets every other error through unchanged', async () => {
    const bug = new TypeError('x is undefined');
    assert.throws(
      () =>
        asInput('x', () => {
          throw bug;
        }),
      (err) => err === bug,
    );
    const failure = new ActionError('denied');
    await assert.rejects(
      asInput('x', () => Promise.reject(failure)),
      (err) => err === failure,
    );
  });
  it('every package error about a parameter is a ParameterError', () => {
    assert.ok(new AwsParameterError('bucket', 'b') instanceof ParameterError);
    assert.equal(new PayloadError('r').message, 'payload: r');
    assert.equal(new AwsParameterError('bucket', 'b').name, 'AwsParameterError');
  });
});
