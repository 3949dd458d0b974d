/**
 * Amazon ECR registry authorization: GetAuthorizationToken, fast.
 *
 * The common case on a runner is plain environment credentials (what
 * aws-actions/configure-aws-credentials exports, session token included). Then the one API call is
 * signed here with SigV4 over node:http(s): loading `@aws-sdk/client-ecr` alone takes longer than
 * the whole ecr-login step may (issue 3: ≤ 2.5× `node -e 0`). Every other credential source
 * (profiles, web identity files, container or instance metadata) needs the SDK's providers, so the
 * SDK client is loaded lazily for those, with the same results and the same error explanations.
 */
import type { Agent as HttpAgent } from 'node:http';
import type { Logger } from '@slipway/action-kit';
import { ActionError, isTransientNetworkError, withRetry } from '@slipway/action-kit';
import { explainTlsError } from '@slipway/net/tls';
import { describeCredentialSource, detectCredentialSource } from './credentials.ts';
import type { CredentialSource } from './credentials.ts';
import { explainAwsError } from './errors.ts';
import { clientConfig } from './region.ts';
import { signRequest } from './sigv4.ts';
import type { AwsCredentials } from './sigv4.ts';

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
const TARGET = 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken';
const REQUEST_TIMEOUT_MS = 15_000;

/**
 * Gets a registry login for each requested registry (one call to ECR GetAuthorizationToken in
 * `region`). Masks nothing itself: the caller registers the passwords as secrets. Failures come
 * back as ActionErrors from {@link explainAwsError}; AccessDenied names `ecr:GetAuthorizationToken`.
 * Throttling, 5xx and dropped connections are retried a bounded number of times; nothing else is.
 */
export async function getEcrAuthorization(opts: EcrAuthorizationOptions): Promise<EcrAuthorization[]> {
  const env = opts.env ?? process.env;
  const source = detectCredentialSource(env);
  const endpoint = ecrApiEndpoint(opts.region, env);
  if (source.kind === 'env' && endpoint) {
    opts.log.debug(
      `ECR GetAuthorizationToken at ${endpoint} signed with ${describeCredentialSource(source)}`,
    );
    return getWithSignedRequest(opts, endpoint, source.credentials);
  }
  opts.log.debug(`ECR GetAuthorizationToken through the AWS SDK with ${describeCredentialSource(source)}`);
  return getWithSdk(opts, source);
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

/** The DNS suffix of a region's partition. */
export function dnsSuffix(region: string): string {
  if (region.startsWith('cn-')) return 'amazonaws.com.cn';
  if (region.startsWith('us-isob-')) return 'sc2s.sgov.gov';
  if (region.startsWith('us-iso-')) return 'c2s.ic.gov';
  if (region.startsWith('eusc-')) return 'amazonaws.eu';
  return 'amazonaws.com';
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

/**
 * The ECR API endpoint the SDK would use: AWS_ENDPOINT_URL_ECR, else AWS_ENDPOINT_URL (unless
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS), else `https://api.ecr.<region>.<suffix>`. Undefined when
 * only the SDK knows the answer (FIPS or dual-stack endpoints, isolated partitions).
 */
export function ecrApiEndpoint(region: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS !== 'true') {
    const configured = env.AWS_ENDPOINT_URL_ECR || env.AWS_ENDPOINT_URL;
    if (configured) return configured;
  }
  if (env.AWS_USE_FIPS_ENDPOINT === 'true' || env.AWS_USE_DUALSTACK_ENDPOINT === 'true') return undefined;
  const suffix = dnsSuffix(region);
  if (suffix !== 'amazonaws.com' && suffix !== 'amazonaws.com.cn') return undefined;
  return `https://api.ecr.${region}.${suffix}`;
}

/** An error answer of an AWS JSON-protocol service, shaped like the SDK's service exceptions. */
export class AwsJsonError extends Error {
  readonly $metadata: { httpStatusCode: number; requestId?: string };
  readonly $fault: 'client' | 'server';
  constructor(code: string, message: string, status: number, requestId: string | undefined) {
    super(message || code);
    this.name = code;
    this.$metadata = { httpStatusCode: status, ...(requestId ? { requestId } : {}) };
    this.$fault = status >= 500 ? 'server' : 'client';
  }
}

/**
 * Reads an AWS JSON-protocol error: the code from `x-amzn-errortype` or the body's `__type`/`code`,
 * without the namespace (`com.amazonaws.ecr#`) or the URI suffix (`:http://internal…`).
 */
export function parseAwsJsonError(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  body: string,
): AwsJsonError {
  let parsed: { __type?: string; code?: string; message?: string; Message?: string } = {};
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    // Not JSON: an AWS-style XML error (gateways, moto) still names the code; else the status must do.
    const xml = (tag: string) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(body)?.[1];
    parsed = { code: xml('Code'), message: xml('Message') };
  }
  const header = headers['x-amzn-errortype'];
  const raw = (Array.isArray(header) ? header[0] : header) || parsed.__type || parsed.code || `HTTP${status}`;
  const code = (raw.split(':')[0] ?? raw).split('#').pop() ?? raw;
  const requestId = headers['x-amzn-requestid'];
  const message = parsed.message ?? parsed.Message ?? (body.length < 200 ? body.trim() : '');
  return new AwsJsonError(code, message, status, Array.isArray(requestId) ? requestId[0] : requestId);
}

const RETRYABLE_CODES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ServiceUnavailable',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** Throttling, 5xx and dropped connections are worth another try; nothing else is. */
export function isRetryableEcrError(err: unknown): boolean {
  if (err instanceof AwsJsonError) {
    return (
      err.$metadata.httpStatusCode >= 500 ||
      err.$metadata.httpStatusCode === 429 ||
      RETRYABLE_CODES.has(err.name)
    );
  }
  return isTransientNetworkError(err);
}

async function getWithSignedRequest(
  opts: EcrAuthorizationOptions,
  endpoint: string,
  credentials: AwsCredentials,
): Promise<EcrAuthorization[]> {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new ActionError(
      `the ECR endpoint ${JSON.stringify(endpoint)} (AWS_ENDPOINT_URL_ECR / AWS_ENDPOINT_URL) is not a URL`,
    );
  }
  const body = JSON.stringify(opts.registryIds?.length ? { registryIds: opts.registryIds } : {});
  let answer: { authorizationData?: RawAuthorizationData[] };
  try {
    answer = await withRetry(
      async () => {
        const headers = signRequest(
          {
            method: 'POST',
            url,
            headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': TARGET },
            body,
          },
          { region: opts.region, service: 'ecr', credentials },
        );
        const response = await postOnce(url, { ...headers, 'user-agent': 'slipway-ecr-login' }, body);
        if (response.status !== 200)
          throw parseAwsJsonError(response.status, response.headers, response.body);
        try {
          return JSON.parse(response.body) as typeof answer;
        } catch {
          throw new ActionError(
            `the ECR API at ${url.origin} answered HTTP 200 with a body that is not JSON`,
          );
        }
      },
      {
        attempts: 4,
        baseDelayMs: 200,
        maxDelayMs: 3000,
        retryable: isRetryableEcrError,
        log: opts.log,
        what: 'ECR GetAuthorizationToken',
      },
    );
  } catch (err) {
    if (err instanceof ActionError) throw err;
    if (err instanceof AwsJsonError) throw explainAwsError(err, ATTEMPT);
    const tls = explainTlsError(err, url.host);
    if (tls) throw new ActionError(`ecr:GetAuthorizationToken failed: ${tls}`);
    const e = err as NodeJS.ErrnoException;
    throw new ActionError(
      `could not reach the ECR API at ${url.origin} for ecr:GetAuthorizationToken: ${e.code ? `${e.code} ` : ''}${e.message}`,
    );
  }
  if (answer.authorizationData !== undefined && !Array.isArray(answer.authorizationData)) {
    throw new ActionError(
      `the ECR API at ${url.origin} answered GetAuthorizationToken with JSON whose authorizationData is not a list`,
    );
  }
  return (answer.authorizationData ?? []).map(decodeAuthorizationData);
}

/** A whole HTTP answer: status, headers and the body as text. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One POST over node:http(s) through the proxy the environment names; https is loaded only when
 * needed (it pulls in TLS). Without an agent the connection closes after the answer, so nothing
 * keeps the process alive.
 */
export async function postOnce(
  url: URL,
  headers: Record<string, string>,
  body: string,
  agent: HttpAgent | false = false,
  timeoutMs = REQUEST_TIMEOUT_MS,
): Promise<RawResponse> {
  const transport = url.protocol === 'http:' ? await import('node:http') : await import('node:https');
  const via = agent || new (await import('@slipway/net')).ProxyAwareAgent({ keepAlive: false });
  return new Promise<RawResponse>((resolve, reject) => {
    const request = transport.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        agent: via,
        timeout: timeoutMs,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    request.on('timeout', () => {
      request.destroy(
        Object.assign(new Error(`no answer within ${timeoutMs / 1000} s`), { code: 'ETIMEDOUT' }),
      );
    });
    request.on('error', reject);
    request.end(body);
  });
}

async function getWithSdk(
  opts: EcrAuthorizationOptions,
  source: CredentialSource,
): Promise<EcrAuthorization[]> {
  const { ECRClient, GetAuthorizationTokenCommand } = await import('@aws-sdk/client-ecr');
  const client = new ECRClient(await clientConfig(opts.region));
  try {
    // Resolve the credentials on their own first: a failure there is about the role or profile,
    // not about ECR permissions, and deserves its own explanation.
    try {
      await client.config.credentials();
    } catch (err) {
      throw explainCredentialError(err, source);
    }
    try {
      const out = await client.send(
        new GetAuthorizationTokenCommand(opts.registryIds?.length ? { registryIds: opts.registryIds } : {}),
      );
      return (out.authorizationData ?? []).map(decodeAuthorizationData);
    } catch (err) {
      if (err instanceof ActionError) throw err;
      throw explainAwsError(err, ATTEMPT);
    }
  } finally {
    client.destroy();
  }
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
