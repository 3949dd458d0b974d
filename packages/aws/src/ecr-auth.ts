/**
 * Amazon ECR registry authorization: GetAuthorizationToken, decoded into Docker credentials, and
 * the registry names users give (account IDs, registry hosts). The call itself goes through the
 * ECR API module (ecr-api.ts), which signs it with the SDK's signer when the credentials are
 * environment keys and uses the SDK's client for every other credential source.
 */
import type { Logger } from '@slipway/action-kit';
import { ActionError } from '@slipway/action-kit';
import { describeCredentialSource, detectCredentialSource } from './credentials.ts';
import type { CredentialSource } from './credentials.ts';
import { dnsSuffix, explainEcrError, openEcr } from './ecr-api.ts';
import { explainAwsError } from './errors.ts';

/** A registry login as ECR hands it out: the token decoded into Docker credentials. */
export interface EcrAuthorization {
  /** The registry host, e.g. `123456789012.dkr.ecr.us-east-1.amazonaws.com` (no scheme). */
  registry: string;
  /** The registry URL ECR returned, e.g. `https://123456789012.dkr.ecr.us-east-1.amazonaws.com`. */
  proxyEndpoint: string;
  /** Always `AWS` today; taken from the token rather than assumed. */
  username: string;
  /** The registry password. A secret: mask it before anything can print it. */
  password: string;
  /** When ECR stops accepting the password (12 hours after issue on AWS). */
  expiresAt: Date;
}

/** Options of {@link getEcrAuthorization}. */
export interface EcrAuthorizationOptions {
  region: string;
  /** Account IDs whose registries to log in to; the caller's own registry when empty. */
  registryIds?: string[];
  log: Logger;
  /** Where credentials and endpoint overrides are read from (default: process.env). */
  env?: NodeJS.ProcessEnv;
}

const ATTEMPT = { action: 'ecr:GetAuthorizationToken' } as const;

/**
 * Gets a registry login for each requested registry (one call to ECR GetAuthorizationToken in
 * `region`). Masks nothing itself: the caller registers the passwords as secrets. Failures come
 * back as ActionErrors from {@link explainEcrError}; AccessDenied names `ecr:GetAuthorizationToken`.
 * Throttling, 5xx and dropped connections are retried a bounded number of times; nothing else is.
 */
export async function getEcrAuthorization(opts: EcrAuthorizationOptions): Promise<EcrAuthorization[]> {
  const env = opts.env ?? process.env;
  const source = detectCredentialSource(env);
  const api = await openEcr(opts.region, undefined, {
    env,
    userAgent: 'slipway-ecr-login',
    log: opts.log,
    timeoutMs: 15_000,
  });
  opts.log.debug(
    api.via === 'signed'
      ? `ECR GetAuthorizationToken at ${api.endpoint ?? ''} signed with ${describeCredentialSource(source)}`
      : `ECR GetAuthorizationToken through the AWS SDK with ${describeCredentialSource(source)}`,
  );
  try {
    // Resolve the credentials on their own first: a failure there is about the role or profile,
    // not about ECR permissions, and deserves its own explanation.
    try {
      await api.resolveCredentials();
    } catch (err) {
      throw explainCredentialError(err, source);
    }
    let answer: { authorizationData?: RawAuthorizationData[] };
    try {
      answer = await api.send(
        'GetAuthorizationToken',
        opts.registryIds?.length ? { registryIds: opts.registryIds } : {},
      );
    } catch (err) {
      throw explainEcrError(err, 'ecr:GetAuthorizationToken');
    }
    if (answer.authorizationData !== undefined && !Array.isArray(answer.authorizationData)) {
      throw new ActionError(
        `the ECR API at ${api.endpoint ?? 'the SDK endpoint'} answered GetAuthorizationToken with JSON whose authorizationData is not a list`,
      );
    }
    return (answer.authorizationData ?? []).map(decodeAuthorizationData);
  } finally {
    api.close();
  }
}

/** A raw GetAuthorizationToken `authorizationData` item, as both the SDK and the wire give it. */
interface RawAuthorizationData {
  authorizationToken?: string;
  expiresAt?: Date | number | string;
  proxyEndpoint?: string;
}

/** Decodes ECR's authorizationData into Docker credentials. */
export function decodeAuthorizationData(data: RawAuthorizationData): EcrAuthorization {
  if (
    !data.authorizationToken ||
    !data.proxyEndpoint ||
    typeof data.authorizationToken !== 'string' ||
    typeof data.proxyEndpoint !== 'string'
  ) {
    throw new ActionError('ECR GetAuthorizationToken answered without a token or a proxy endpoint');
  }
  let registry: string;
  try {
    registry = registryHostOf(data.proxyEndpoint);
  } catch {
    throw new ActionError(
      `ECR GetAuthorizationToken answered a proxy endpoint that is not a URL (${JSON.stringify(data.proxyEndpoint.slice(0, 80))})`,
    );
  }
  const decoded = Buffer.from(data.authorizationToken, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0)
    throw new ActionError('ECR GetAuthorizationToken answered a token that is not user:password');
  const expires = data.expiresAt;
  return {
    registry,
    proxyEndpoint: data.proxyEndpoint,
    username: decoded.slice(0, colon),
    password: decoded.slice(colon + 1),
    // The JSON protocol sends epoch seconds; the SDK hands back a Date.
    expiresAt:
      expires instanceof Date
        ? expires
        : typeof expires === 'number'
          ? new Date(expires * 1000)
          : expires
            ? new Date(expires)
            : new Date(Date.now() + 12 * 3600_000),
  };
}

/** The host (and port, if any) of a registry URL or bare host: what Docker keys its config by. */
export function registryHostOf(value: string): string {
  const trimmed = value.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
  return new URL(withScheme).host;
}

/** The registry host of an account in a region: `<id>.dkr.ecr.<region>.<partition suffix>`. */
export function ecrRegistryHost(accountId: string, region: string): string {
  return `${accountId}.dkr.ecr.${region}.${dnsSuffix(region)}`;
}

const ECR_HOST =
  /^(\d{12})\.dkr[.-]ecr(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d+)\.(?:amazonaws\.com(?:\.cn)?|on\.aws|c2s\.ic\.gov|sc2s\.sgov\.gov|amazonaws\.eu)$/;

/**
 * Reads a registry given as an account ID (`123456789012`) or a full ECR host
 * (`123456789012.dkr.ecr.eu-west-1.amazonaws.com`, with or without `https://` and a trailing `/`;
 * FIPS, dual-stack and China hosts too). For a bare account ID the host is built in
 * `defaultRegion` (default AWS_REGION / AWS_DEFAULT_REGION) and `region` stays undefined; the host
 * is '' when no region is known. Undefined for anything else.
 */
export function parseRegistry(
  value: string,
  defaultRegion: string | undefined = process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION,
): { accountId: string; region?: string; host: string } | undefined {
  const text = value
    .trim()
    .toLowerCase()
    .replace(/^https?:\/\//, '')
    .replace(/\/+$/, '');
  if (/^\d{12}$/.test(text)) {
    return { accountId: text, host: defaultRegion ? ecrRegistryHost(text, defaultRegion) : '' };
  }
  const match = ECR_HOST.exec(text);
  if (!match) return undefined;
  return { accountId: match[1] as string, region: match[2] as string, host: text };
}

/** Explains a failure to obtain credentials from the chosen source. */
export function explainCredentialError(err: unknown, source: CredentialSource): ActionError {
  const e = err as { name?: string; message?: string; $metadata?: unknown };
  if (e?.$metadata) {
    // STS answered (web identity or a role in a profile): say which call and role.
    if (source.kind === 'web-identity') {
      return explainAwsError(err, {
        action: 'sts:AssumeRoleWithWebIdentity',
        resource: source.roleArn,
        accessDeniedHints: [
          "the role's trust policy must trust the token's issuer (token.actions.githubusercontent.com) and this repository's sub claim",
        ],
      });
    }
    return explainAwsError(err, { action: 'sts:AssumeRole', resource: describeCredentialSource(source) });
  }
  if (source.kind === 'default-chain') {
    return explainAwsError(err, ATTEMPT);
  }
  const detail = (e?.message ?? String(err)).split('\n')[0];
  return new ActionError(`could not get AWS credentials from ${describeCredentialSource(source)}: ${detail}`);
}
