/**
 * AWS Signature Version 4 for one JSON request, with node:crypto alone.
 *
 * ecr-login signs its single GetAuthorizationToken call itself: loading `@aws-sdk/client-ecr` (or
 * even `@smithy/signature-v4` with its helpers) costs more than the whole start-up budget of the
 * action. The algorithm is small and fully specified:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 * Only what a JSON-protocol POST needs is implemented: no query-string signing, no presigning, no
 * chunked payloads. test/unit/aws/sigv4.test.ts checks it against AWS's published test vectors.
 */

// node:crypto is looked up when a request is signed, not when the module loads: an action's start
// until input validation must not pay for it.
const crypto = () => process.getBuiltinModule('node:crypto');

/** Static AWS credentials, as the environment or an assumed role gives them. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Present for temporary credentials (assumed roles, OIDC). */
  sessionToken?: string;
}

/** A request to sign. Header names may have any case; `host` is taken from the URL when absent. */
export interface SignableRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string;
}

const sha256Hex = (data: string) => crypto().createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: Buffer | string, data: string) =>
  crypto().createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 encoding as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** `20150830T123600Z`, the X-Amz-Date form. */
export function amzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/**
 * Returns the request's headers plus `x-amz-date`, `x-amz-security-token` (temporary credentials)
 * and `authorization`. Header names come back lower-cased.
 */
export function signRequest(
  request: SignableRequest,
  opts: { region: string; service: string; credentials: AwsCredentials; date?: Date },
): Record<string, string> {
  const date = amzDate(opts.date ?? new Date());
  const day = date.slice(0, 8);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  headers.host ??= request.url.host;
  headers['x-amz-date'] = date;
  if (opts.credentials.sessionToken) headers['x-amz-security-token'] = opts.credentials.sessionToken;

  const names = Object.keys(headers).sort();
  const canonicalHeaders = names
    .map((n) => `${n}:${(headers[n] ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const signedHeaders = names.join(';');
  const path =
    request.url.pathname
      .split('/')
      .map((segment) => uriEncode(decodeURIComponent(segment)))
      .join('/') || '/';
  const query = [...request.url.searchParams]
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak === bk ? (av < bv ? -1 : 1) : ak < bk ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalRequest = [
    request.method.toUpperCase(),
    path,
    query,
    canonicalHeaders,
    signedHeaders,
    sha256Hex(request.body),
  ].join('\n');

  const scope = `${day}/${opts.region}/${opts.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', date, scope, sha256Hex(canonicalRequest)].join('\n');
  let key = hmac(`AWS4${opts.credentials.secretAccessKey}`, day);
  for (const part of [opts.region, opts.service, 'aws4_request']) key = hmac(key, part);
  const signature = crypto().createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');

  headers.authorization = `AWS4-HMAC-SHA256 Credential=${opts.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}
