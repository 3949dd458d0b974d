import { quote } from '@slipway/action-kit';
import { AwsParameterError } from './parameter-error.ts';

/**
 * Checks a bucket name against S3's naming rules (general purpose buckets), accepting an
 * `s3://` prefix; throws an AwsParameterError about `bucket`.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
 */
export function checkBucketName(value: string): string {
  const name = value.replace(/^s3:\/\//, '').replace(/\/+$/, '');
  const rules =
    'use 3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit (no s3:// path)';
  const fail = (why: string) =>
    new AwsParameterError('bucket', `${quote(value)} is not a valid S3 bucket name: ${why}; ${rules}`);
  if (name.includes('/')) throw fail('it contains a path; put the folder in key-prefix');
  if (name.length < 3 || name.length > 63) throw fail(`it has ${name.length} characters`);
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) throw fail('it has characters S3 does not allow');
  if (name.includes('..')) throw fail('it has two dots in a row');
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) throw fail('it looks like an IP address');
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(name) || /(-s3alias|--ol-s3|--x-s3|--table-s3)$/.test(name)) {
    throw fail('it uses a prefix or suffix S3 reserves');
  }
  return name;
}

/**
 * Normalises a key prefix: no leading or trailing `/`, no empty, `.` or `..` segments (S3 would
 * store them, but consoles and `aws s3 sync` mishandle them). Throws an AwsParameterError about
 * `prefix`.
 */
export function checkKeyPrefix(value: string): string {
  const prefix = value.replace(/^\/+|\/+$/g, '');
  const segments = prefix.split('/');
  if (!prefix || segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new AwsParameterError(
      'prefix',
      `${quote(value)} is not a usable S3 key prefix; use folders such as project/staging`,
    );
  }
  if (!/^[A-Za-z0-9!_.*'()/-]+$/.test(prefix)) {
    throw new AwsParameterError(
      'prefix',
      `${quote(value)} has characters that need URL encoding in S3 keys; use letters, digits and - _ . / only`,
    );
  }
  return prefix;
}
