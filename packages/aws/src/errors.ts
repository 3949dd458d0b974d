import { ActionError } from '@slipway/action-kit';
import { explainTlsError } from '@slipway/net/tls';

/** What was being attempted when AWS answered with an error. */
export interface AwsAttempt {
  /** The IAM action the call needs, e.g. `s3:PutObject` or `ecr:InitiateLayerUpload`. */
  action: string;
  /** What it was done to: `s3://bucket/key`, a repository name … */
  resource?: string;
  /** Extra causes worth checking for an AccessDenied on this call (bucket settings, KMS …). */
  accessDeniedHints?: string[];
  /** The host:port the call went to, when known; else derived from the action's service ({@link awsEndpointHost}). */
  endpoint?: string;
}

/**
 * The host an SDK call for `action` (`s3:PutObject`, `ecr:PutImage` …) goes to: the
 * AWS_ENDPOINT_URL_<SERVICE> or AWS_ENDPOINT_URL the SDK reads, else the service's regional host.
 */
export function awsEndpointHost(action: string, env: NodeJS.ProcessEnv = process.env): string {
  const service = action.split(':')[0] ?? '';
  const custom = env[`AWS_ENDPOINT_URL_${service.toUpperCase()}`] || env.AWS_ENDPOINT_URL;
  if (custom) {
    try {
      return new URL(custom).host;
    } catch {
      return custom;
    }
  }
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  return region ? `${service}.${region}.amazonaws.com` : `${service}.amazonaws.com`;
}

interface AwsErrorShape {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
  $fault?: 'client' | 'server';
}

/** The error code AWS sent (`AccessDenied`, `RepositoryNotFoundException` …), or the error's name. */
export function awsErrorCode(err: unknown): string {
  const e = err as AwsErrorShape;
  return e?.Code ?? e?.name ?? e?.code ?? 'Error';
}

/** The HTTP status of an AWS error, when there was a response. */
export function awsStatus(err: unknown): number | undefined {
  return (err as AwsErrorShape)?.$metadata?.httpStatusCode;
}

const ACCESS_DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'AllAccessDisabled',
  'Forbidden',
]);
const BAD_CREDENTIALS = new Set([
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'InvalidAccessKeyId',
  'InvalidSignatureException',
  'IncompleteSignature',
]);
const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired', 'TokenRefreshRequired']);

/**
 * Turns an AWS SDK error into an ActionError that says what to change: the IAM action refused, the
 * credentials that were not accepted, or the service's own words for anything else. An AccessDenied
 * is never retried (the SDK does not, and neither does Slipway): the message is the fix.
 */
export function explainAwsError(err: unknown, attempt: AwsAttempt): ActionError {
  // Already written for the user (an answer that is not AWS's shape, say): keep its words.
  if (err instanceof ActionError) return err;
  const code = awsErrorCode(err);
  const status = awsStatus(err);
  const detail = ((err as AwsErrorShape)?.message ?? String(err)).split('\n')[0] ?? '';
  const on = attempt.resource ? ` on ${attempt.resource}` : '';
  const tls = explainTlsError(err, attempt.endpoint ?? awsEndpointHost(attempt.action));
  if (tls) return new ActionError(`${attempt.action}${on} failed: ${tls}`);
  if (ACCESS_DENIED.has(code) || (status === 403 && !BAD_CREDENTIALS.has(code) && !EXPIRED.has(code))) {
    const hints = attempt.accessDeniedHints?.length
      ? ` Also check: ${attempt.accessDeniedHints.join('; ')}.`
      : '';
    return new ActionError(
      `AWS denied ${attempt.action}${on} (${code}): the role or user needs the IAM permission ${attempt.action}.${hints} AWS said: ${detail}`,
    );
  }
  if (BAD_CREDENTIALS.has(code)) {
    return new ActionError(
      `AWS did not accept the credentials for ${attempt.action} (${code}): check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, or the role that aws-actions/configure-aws-credentials assumed. AWS said: ${detail}`,
    );
  }
  if (EXPIRED.has(code)) {
    return new ActionError(
      `the AWS credentials expired before ${attempt.action}${on} (${code}): assume the role again or raise role-duration-seconds`,
    );
  }
  if (code === 'CredentialsProviderError' || /Could not load credentials/i.test(detail)) {
    return new ActionError(
      `no AWS credentials for ${attempt.action}: add aws-actions/configure-aws-credentials before this step (OIDC role), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`,
    );
  }
  const where = status ? ` (HTTP ${status})` : '';
  return new ActionError(`${attempt.action}${on} failed: ${code}${where}: ${detail}`);
}
