import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AwsParameterError } from '@slipway/aws/parameter-error.ts';
import { resolveRegion } from '@slipway/aws/region.ts';

describe('resolveRegion', () => {
  it('takes the input first, then AWS_REGION, then AWS_DEFAULT_REGION', () => {
    const env = { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'us-west-2' };
    assert.equal(resolveRegion('ap-southeast-2', env), 'ap-southeast-2');
    assert.equal(resolveRegion(undefined, env), 'eu-west-1');
    assert.equal(resolveRegion(undefined, { AWS_DEFAULT_REGION: 'us-west-2' }), 'us-west-2');
    assert.equal(resolveRegion(undefined, { AWS_REGION: 'us-gov-west-1' }), 'us-gov-west-1');
  });

  it('fails about the region when no region is set anywhere', () => {
    assert.throws(
      () => resolveRegion(undefined, {}),
      (err: Error) =>
        err instanceof AwsParameterError && err.parameter === 'region' && /AWS_REGION/.test(err.message),
    );
  });

  it('rejects something that is not a region, naming the value and an example', () => {
    assert.throws(
      () => resolveRegion('us-east', {}),
      /region: "us-east" is not an AWS region; use e\.g\. us-east-1/,
    );
    assert.throws(() => resolveRegion('US-EAST-1', {}), AwsParameterError);
  });
});
