import { ActionError } from '@slipway/action-kit';
import { awsErrorCode, awsStatus, explainAwsError } from './errors.ts';

/** The S3 call that failed and the settings that shape its permissions. */
export interface S3Operation {
  /** The IAM action the call needs: s3:PutObject for PutObject, s3:GetObject for GetObject and HeadObject … */
  action: 's3:PutObject' | 's3:GetObject' | 's3:GetBucketVersioning';
  bucket: string;
  key?: string;
  sse?: 'AES256' | 'aws:kms' | 'none';
  kmsKeyId?: string;
  acl?: string;
}

/** True for S3's answer to a conditional write that lost (If-None-Match / If-Match). */
export function isPreconditionFailed(err: unknown): boolean {
  return awsStatus(err) === 412 || awsErrorCode(err) === 'PreconditionFailed';
}

/** True for S3's "another conditional write to this key is in progress" (409), worth another try. */
export function isConditionalConflict(err: unknown): boolean {
  return (
    awsErrorCode(err) === 'ConditionalRequestConflict' ||
    (awsStatus(err) === 409 && awsErrorCode(err) !== 'BucketAlreadyExists')
  );
}

/** True when the key does not exist (404, NoSuchKey / NotFound). */
export function isNotFound(err: unknown): boolean {
  const code = awsErrorCode(err);
  return code === 'NoSuchKey' || code === 'NotFound' || (awsStatus(err) === 404 && code !== 'NoSuchBucket');
}

/**
 * Explains a failed S3 call: an AccessDenied names the exact IAM action (the one AWS names in
 * its message when it does — kms:GenerateDataKey for an upload with SSE-KMS — else the call's own)
 * and the bucket settings that produce the same answer; ACL, region and KMS mistakes say what to change.
 */
export function explainS3Error(err: unknown, op: S3Operation): ActionError {
  const code = awsErrorCode(err);
  const message = String((err as { message?: unknown })?.message ?? '');
  const where = op.key ? `s3://${op.bucket}/${op.key}` : `s3://${op.bucket}`;
  if (code === 'AccessControlListNotSupported') {
    return new ActionError(
      `bucket ${op.bucket} has ACLs disabled (Object Ownership: bucket owner enforced), so it refuses the acl ${op.acl ?? ''} on ${where}: remove the acl input (the bucket policy grants access instead)`,
    );
  }
  if (code === 'NoSuchBucket') {
    return new ActionError(
      `bucket ${op.bucket} does not exist (or is not visible from this account and region): check the bucket input`,
    );
  }
  if (
    code === 'PermanentRedirect' ||
    code === 'AuthorizationHeaderMalformed' ||
    code === 'IllegalLocationConstraintException'
  ) {
    return new ActionError(
      `bucket ${op.bucket} is in another region than the client's (${code}): set the region input to the bucket's region`,
    );
  }
  if (code.startsWith('KMS.')) {
    return new ActionError(
      `S3 could not use the KMS key ${op.kmsKeyId ?? '(the bucket default)'} for ${where} (${code}): check kms-key-id and that the key is enabled in the bucket's region. AWS said: ${message.split('\n')[0]}`,
    );
  }
  // Which permission was missing matters only for a refusal; other errors keep the call's action.
  let action: string = op.action;
  if (awsStatus(err) === 403 || /AccessDenied|Forbidden/.test(code)) {
    const named = /not authorized to perform:? ([a-z0-9-]+:[A-Za-z0-9]+)/.exec(message)?.[1];
    if (named) action = named;
    else if (/\bkms\b|KMS/.test(message))
      action = op.action === 's3:PutObject' ? 'kms:GenerateDataKey' : 'kms:Decrypt';
    else if (op.acl && op.action === 's3:PutObject') action = 's3:PutObject and s3:PutObjectAcl';
  }
  return explainAwsError(err, { action, resource: where, accessDeniedHints: hintsFor(op, action) });
}

function hintsFor(op: S3Operation, action: string): string[] {
  const hints: string[] = [];
  const objects = `arn:aws:s3:::${op.bucket}/${op.key ? op.key.replace(/[^/]*$/, '') : ''}*`;
  if (op.action === 's3:GetBucketVersioning') {
    hints.push(
      `s3:GetBucketVersioning is granted on the bucket ARN arn:aws:s3:::${op.bucket}, not on ${op.bucket}/*`,
    );
  } else {
    hints.push(`the policy's Resource must cover ${objects}`);
  }
  if (op.action === 's3:GetObject') {
    hints.push(
      `without s3:ListBucket on arn:aws:s3:::${op.bucket}, S3 answers AccessDenied instead of "not found" for a key that does not exist yet (releases.json before the first release)`,
    );
    hints.push('objects encrypted with SSE-KMS also need kms:Decrypt on their key');
  }
  if (op.action === 's3:PutObject') {
    if (op.sse === 'aws:kms' || action.startsWith('kms:')) {
      hints.push(
        `with sse aws:kms the role needs kms:GenerateDataKey (and kms:Decrypt) on ${op.kmsKeyId ?? 'the bucket key'}, and the key policy must allow it`,
      );
    }
    hints.push(
      'a bucket policy may deny uploads without a required encryption header (s3:x-amz-server-side-encryption: set sse to what it demands) or to another KMS key',
    );
    if (op.acl)
      hints.push(
        `Block Public Access refuses public ACLs and ACL-disabled buckets refuse any: try without the acl input`,
      );
  }
  hints.push('a bucket policy may deny this role or requests without TLS (aws:SecureTransport false)');
  return hints;
}
