/**
 * The Amazon ECR API (control plane, JSON 1.1 protocol) for every Slipway call: which endpoint,
 * how a call is signed and sent, which failures are retried, and how they read to the user.
 *
 * With environment keys (what aws-actions/configure-aws-credentials exports, the usual case on a
 * runner) and an endpoint known without the SDK's rules, each call is signed by the AWS SDK's own
 * signer (`@smithy/signature-v4` with the SDK's Node Sha256) and sent over the process's
 * proxy-aware agent: the full `ECRClient` with its credential chain and endpoint rules costs more
 * start-up than a whole ecr-login or re-push otherwise takes (bench/ecr-login.ts,
 * bench/ecr-push.ts). Every other credential source (profiles, web identity, container or
 * instance metadata) and every endpoint only the SDK's rules know (FIPS, dual-stack, isolated
 * partitions) goes through `ECRClient`, loaded lazily, on the same agent.
 * https://docs.aws.amazon.com/AmazonECR/latest/APIReference/Welcome.html
 */
import type { Agent } from 'node:http';
import { ActionError, type Logger, isTransientNetworkError, withRetry } from '@slipway/action-kit';
import { explainTlsError } from '@slipway/net/tls';
import { type AwsCredentials, detectCredentialSource } from './credentials.ts';
import { explainAwsError } from './errors.ts';
import { clientConfig } from './region.ts';

/** The ECR API for one region and registry. */
export interface EcrApi {
  /**
   * Calls an operation (`DescribeRepositories` …) with its JSON input and returns its JSON output.
   * An error answer from AWS comes back shaped like the SDK's (`name` = AWS error code,
   * `$metadata.httpStatusCode`), so `awsErrorCode` and `explainAwsError` read both alike; an
   * endpoint that cannot be reached or whose TLS fails is an ActionError naming the call.
   */
  send<T = Record<string, unknown>>(operation: string, input: Record<string, unknown>): Promise<T>;
  /** The account of the registry; undefined = the caller's own. */
  registryId?: string;
  /** How calls are made: signed with the SDK's signer on Slipway's agent, or through `ECRClient`. */
  readonly via: 'signed' | 'sdk';
  /** The endpoint signed calls go to; undefined when the SDK chooses it. */
  readonly endpoint?: string;
  /**
   * Resolves the credentials before any call, so a failure there (a role, a profile) can be told
   * apart from an ECR permission. Throws the credential provider's error unexplained.
   */
  resolveCredentials(): Promise<void>;
  /** Releases the SDK client, if one was made; signed calls share the process's agent. */
  close(): void;
}

/** Options of {@link openEcr}. */
export interface OpenEcrOptions {
  /** Where credentials and endpoint settings are read from (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Sent as the User-Agent of signed calls. */
  userAgent?: string;
  /** Receives a line for each retry of a signed call. */
  log?: Logger;
  /** How long a signed call may wait for data before it counts as dropped (default 30 s). */
  timeoutMs?: number;
}

/** Retries of a call: four attempts in all, with doubling back-off from 200 ms up to 3 s. */
export const ECR_RETRY = { attempts: 4, baseDelayMs: 200, maxDelayMs: 3000 } as const;

const TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921.';

/**
 * The ECR API endpoint for `region`: AWS_ENDPOINT_URL_ECR, else AWS_ENDPOINT_URL (unless
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS), else `https://api.ecr.<region>.<suffix>` in the aws and
 * aws-cn partitions, as the SDK's rules give it. Undefined when only the SDK's rules know the
 * answer (AWS_USE_FIPS_ENDPOINT, AWS_USE_DUALSTACK_ENDPOINT, isolated partitions).
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html
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

/** The DNS suffix of a region's partition. */
export function dnsSuffix(region: string): string {
  if (region.startsWith('cn-')) return 'amazonaws.com.cn';
  if (region.startsWith('us-isob-')) return 'sc2s.sgov.gov';
  if (region.startsWith('us-iso-')) return 'c2s.ic.gov';
  if (region.startsWith('eusc-')) return 'amazonaws.eu';
  return 'amazonaws.com';
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

/**
 * Throttling, 5xx and dropped connections are worth another try; nothing else is: a 4xx
 * (AccessDenied, a bad signature, a missing repository) fails at once, since its message is the fix.
 */
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

/**
 * Explains a failed ECR call to the user in terms of the IAM action it needed (`ecr:PutImage` …):
 * AccessDenied names the permission to add, refused or expired credentials say so, anything else
 * keeps AWS's code, status and words. An ActionError (an unreachable endpoint, a TLS failure, an
 * answer that is not ECR's) is kept as it is. Callers spell the action out in full: the shipped
 * IAM policies are checked against the `ecr:` actions the code names.
 */
export function explainEcrError(
  err: unknown,
  action: `ecr:${string}`,
  resource?: string,
  accessDeniedHints?: string[],
): ActionError {
  return explainAwsError(err, {
    action,
    ...(resource ? { resource } : {}),
    ...(accessDeniedHints?.length ? { accessDeniedHints } : {}),
  });
}

/**
 * Opens the ECR API for `region`: calls signed with the SDK's signer when the credentials are
 * environment keys and the endpoint is known ({@link ecrApiEndpoint}), `ECRClient` otherwise.
 * Nothing is sent yet.
 */
export async function openEcr(
  region: string,
  registryId?: string,
  opts: OpenEcrOptions = {},
): Promise<EcrApi> {
  const env = opts.env ?? process.env;
  const source = detectCredentialSource(env);
  const endpoint = ecrApiEndpoint(region, env);
  const base = registryId ? { registryId } : {};
  if (source.kind === 'env' && endpoint) {
    return { ...base, ...(await signedApi(region, endpoint, source.credentials, opts)) };
  }
  return { ...base, ...(await sdkApi(region)) };
}

async function sdkApi(region: string): Promise<Omit<EcrApi, 'registryId'>> {
  const sdk = await import('@aws-sdk/client-ecr');
  const client = new sdk.ECRClient(await clientConfig(region));
  const commands = sdk as unknown as Record<
    string,
    new (input: unknown) => Parameters<typeof client.send>[0]
  >;
  return {
    via: 'sdk',
    async send<T>(operation: string, input: Record<string, unknown>): Promise<T> {
      const Command = commands[`${operation}Command`];
      if (!Command) throw new Error(`the ECR SDK has no ${operation}Command`);
      return (await client.send(new Command(input))) as T;
    },
    async resolveCredentials() {
      await client.config.credentials();
    },
    close: () => client.destroy(),
  };
}

async function signedApi(
  region: string,
  endpoint: string,
  credentials: AwsCredentials,
  opts: OpenEcrOptions,
): Promise<Omit<EcrApi, 'registryId'>> {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new ActionError(
      `the ECR endpoint ${JSON.stringify(endpoint)} (AWS_ENDPOINT_URL_ECR / AWS_ENDPOINT_URL) is not a URL`,
    );
  }
  // Loaded now, after the inputs were validated: the signer and the agent are not start-up cost.
  const [{ SignatureV4 }, { Sha256 }, net] = await Promise.all([
    import('@smithy/signature-v4'),
    import('@smithy/core/checksum'),
    import('@slipway/net'),
  ]);
  // As ECRClient signs: service `ecr`, no x-amz-content-sha256 (that is S3's), path escaped.
  const signer = new SignatureV4({
    service: 'ecr',
    region,
    credentials,
    sha256: Sha256,
    applyChecksum: false,
  });
  const agent: Agent = net.sharedAgent();
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const userAgent = opts.userAgent ?? 'slipway';

  const once = async (operation: string, body: string): Promise<unknown> => {
    const signed = await signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname || '/',
      query: {},
      headers: {
        host: url.host,
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': TARGET_PREFIX + operation,
      },
      body,
    });
    const res = await net.sendRequest(
      {
        method: 'POST',
        url,
        headers: { ...(signed.headers as Record<string, string>), 'user-agent': userAgent },
        body,
        idleTimeoutMs: timeoutMs,
      },
      agent,
    );
    const text = (await net.readBody(res)).toString('utf8');
    if (res.status !== 200) throw parseAwsJsonError(res.status, res.headers, text);
    try {
      const doc: unknown = text ? JSON.parse(text) : {};
      if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('not an object');
      return doc;
    } catch {
      throw new ActionError(
        `the ECR API at ${url.origin} answered ecr:${operation} with HTTP 200 and a body that is not a JSON object; check that registry-url / AWS_ENDPOINT_URL_ECR point at ECR`,
      );
    }
  };

  return {
    via: 'signed',
    endpoint: url.origin,
    async send<T>(operation: string, input: Record<string, unknown>): Promise<T> {
      const body = JSON.stringify(input);
      try {
        return (await withRetry(() => once(operation, body), {
          ...ECR_RETRY,
          retryable: isRetryableEcrError,
          ...(opts.log ? { log: opts.log } : {}),
          what: `ECR ${operation}`,
        })) as T;
      } catch (err) {
        throw explainTransportError(err, operation, url);
      }
    },
    resolveCredentials: () => Promise.resolve(),
    // The agent is the process's: other clients may still use it, and idle sockets do not keep
    // the process alive.
    close: () => undefined,
  };
}

/**
 * An error of a signed call as the caller sees it: AWS's answer unchanged (the caller explains
 * it in terms of its IAM action), a TLS failure or an unreachable endpoint as an ActionError.
 */
function explainTransportError(err: unknown, operation: string, url: URL): unknown {
  if (err instanceof ActionError || err instanceof AwsJsonError) return err;
  const tls = explainTlsError(err, url.host);
  if (tls) return new ActionError(`ecr:${operation} failed: ${tls}`);
  const e = err as NodeJS.ErrnoException;
  return new ActionError(
    `could not reach the ECR API at ${url.origin} for ecr:${operation}: ${e?.code ? `${e.code} ` : ''}${e?.message ?? String(err)}`,
  );
}
