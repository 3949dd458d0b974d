import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ActionError, collectingLogger, silentLogger } from '@slipway/action-kit';
import {
  decodeAuthorizationData,
  ecrRegistryHost,
  getEcrAuthorization,
  parseRegistry,
  registryHostOf,
} from '@slipway/aws/ecr-auth.ts';
import { ecrApiEndpoint, isRetryableEcrError, parseAwsJsonError } from '@slipway/aws/ecr-api.ts';

describe('parseRegistry', () => {
  it('reads a bare account ID and builds its host in the given region', () => {
    assert.deepEqual(parseRegistry('123456789012', 'eu-west-1'), {
      accountId: '123456789012',
      host: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
    });
  });

  it('leaves the host empty for an account ID when no region is known', () => {
    assert.deepEqual(parseRegistry(' 123456789012 ', undefined), { accountId: '123456789012', host: '' });
  });

  it('reads a full registry host with its own region, with or without scheme and trailing slash', () => {
    for (const value of [
      '210987654321.dkr.ecr.us-west-2.amazonaws.com',
      'https://210987654321.dkr.ecr.us-west-2.amazonaws.com/',
      '210987654321.DKR.ECR.US-WEST-2.AMAZONAWS.COM',
    ]) {
      assert.deepEqual(parseRegistry(value, 'eu-west-1'), {
        accountId: '210987654321',
        region: 'us-west-2',
        host: '210987654321.dkr.ecr.us-west-2.amazonaws.com',
      });
    }
  });

  it('reads China, FIPS and dual-stack registry hosts', () => {
    assert.equal(parseRegistry('123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn')?.region, 'cn-north-1');
    assert.equal(
      parseRegistry('123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com')?.region,
      'us-gov-west-1',
    );
    assert.equal(parseRegistry('123456789012.dkr-ecr.eu-central-1.on.aws')?.region, 'eu-central-1');
  });

  it('rejects anything that is not an account ID or an ECR host', () => {
    for (const value of [
      '12345678901',
      '1234567890123',
      'my-registry',
      'public.ecr.aws',
      'docker.io',
      '123456789012.dkr.ecr.us-east-1.example.com',
      '123456789012.dkr.ecr.amazonaws.com',
      '123456789012.dkr.ecr.us-east-1.amazonaws.com/repo',
      '',
    ]) {
      assert.equal(parseRegistry(value, 'us-east-1'), undefined, value);
    }
  });
});

describe('registry hosts and API endpoints', () => {
  it('builds registry hosts in the partition of the region', () => {
    assert.equal(
      ecrRegistryHost('123456789012', 'us-east-1'),
      '123456789012.dkr.ecr.us-east-1.amazonaws.com',
    );
    assert.equal(
      ecrRegistryHost('123456789012', 'cn-north-1'),
      '123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn',
    );
  });

  it('keys Docker logins by host and port, without scheme or path', () => {
    assert.equal(
      registryHostOf('https://123456789012.dkr.ecr.us-east-1.amazonaws.com'),
      '123456789012.dkr.ecr.us-east-1.amazonaws.com',
    );
    assert.equal(registryHostOf('http://127.0.0.1:5000/'), '127.0.0.1:5000');
    assert.equal(registryHostOf('localhost.localstack.cloud:4510'), 'localhost.localstack.cloud:4510');
  });

  it('takes the endpoint from AWS_ENDPOINT_URL_ECR before AWS_ENDPOINT_URL, as the SDK does', () => {
    const env = { AWS_ENDPOINT_URL: 'http://general:1', AWS_ENDPOINT_URL_ECR: 'http://ecr:2' };
    assert.equal(ecrApiEndpoint('us-east-1', env), 'http://ecr:2');
    assert.equal(ecrApiEndpoint('us-east-1', { AWS_ENDPOINT_URL: 'http://general:1' }), 'http://general:1');
    assert.equal(
      ecrApiEndpoint('us-east-1', { ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }),
      'https://api.ecr.us-east-1.amazonaws.com',
    );
  });

  it('uses the regional endpoint, and leaves FIPS, dual-stack and isolated partitions to the SDK', () => {
    assert.equal(ecrApiEndpoint('eu-west-1', {}), 'https://api.ecr.eu-west-1.amazonaws.com');
    assert.equal(ecrApiEndpoint('cn-northwest-1', {}), 'https://api.ecr.cn-northwest-1.amazonaws.com.cn');
    assert.equal(ecrApiEndpoint('us-east-1', { AWS_USE_FIPS_ENDPOINT: 'true' }), undefined);
    assert.equal(ecrApiEndpoint('us-east-1', { AWS_USE_DUALSTACK_ENDPOINT: 'true' }), undefined);
    assert.equal(ecrApiEndpoint('us-iso-east-1', {}), undefined);
  });
});

describe('decodeAuthorizationData', () => {
  const token = Buffer.from('AWS:eyJwYXlsb2FkIjoi:with:colons').toString('base64');

  it('splits the token at the first colon and reads epoch seconds', () => {
    const auth = decodeAuthorizationData({
      authorizationToken: token,
      expiresAt: 1767268800,
      proxyEndpoint: 'https://123456789012.dkr.ecr.us-east-1.amazonaws.com',
    });
    assert.equal(auth.username, 'AWS');
    assert.equal(auth.password, 'eyJwYXlsb2FkIjoi:with:colons');
    assert.equal(auth.registry, '123456789012.dkr.ecr.us-east-1.amazonaws.com');
    assert.equal(auth.expiresAt.toISOString(), '2026-01-01T12:00:00.000Z');
  });

  it('takes the SDK Date as it is', () => {
    const expiresAt = new Date('2026-05-01T00:00:00Z');
    const auth = decodeAuthorizationData({
      authorizationToken: token,
      expiresAt,
      proxyEndpoint: 'https://x.example',
    });
    assert.equal(auth.expiresAt.getTime(), expiresAt.getTime());
  });

  it('refuses a token without a password separator', () => {
    assert.throws(
      () =>
        decodeAuthorizationData({
          authorizationToken: Buffer.from('nocolon').toString('base64'),
          proxyEndpoint: 'https://x',
        }),
      ActionError,
    );
  });
});

describe('parseAwsJsonError', () => {
  it('reads the code from x-amzn-errortype without the URI suffix', () => {
    const err = parseAwsJsonError(
      400,
      {
        'x-amzn-errortype':
          'AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral.service/',
      },
      '{"message":"User: arn:aws:sts::123456789012:assumed-role/ci/run is not authorized to perform: ecr:GetAuthorizationToken"}',
    );
    assert.equal(err.name, 'AccessDeniedException');
    assert.match(err.message, /not authorized/);
    assert.equal(err.$metadata.httpStatusCode, 400);
  });

  it('reads a namespaced __type from the body', () => {
    assert.equal(
      parseAwsJsonError(400, {}, '{"__type":"com.amazonaws.ecr#ThrottlingException"}').name,
      'ThrottlingException',
    );
  });

  it('reads an XML error body (gateways, moto)', () => {
    const err = parseAwsJsonError(
      403,
      {},
      '<ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message></Error></Errors></ErrorResponse>',
    );
    assert.equal(err.name, 'SignatureDoesNotMatch');
    assert.match(err.message, /does not match/);
  });

  it('falls back to the status for a body it cannot read', () => {
    assert.equal(parseAwsJsonError(502, {}, '<html>Bad Gateway</html>').name, 'HTTP502');
  });

  it('retries throttling and server errors, not client errors', () => {
    assert.equal(isRetryableEcrError(parseAwsJsonError(400, {}, '{"__type":"ThrottlingException"}')), true);
    assert.equal(isRetryableEcrError(parseAwsJsonError(500, {}, '{"__type":"ServerException"}')), true);
    assert.equal(isRetryableEcrError(parseAwsJsonError(503, {}, '')), true);
    assert.equal(
      isRetryableEcrError(parseAwsJsonError(400, {}, '{"__type":"AccessDeniedException"}')),
      false,
    );
    assert.equal(
      isRetryableEcrError(parseAwsJsonError(403, {}, '{"__type":"InvalidSignatureException"}')),
      false,
    );
    assert.equal(
      isRetryableEcrError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })),
      true,
    );
    assert.equal(isRetryableEcrError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })), false);
  });
});

// A stand-in for the ECR API speaking its JSON 1.1 wire protocol: every test queues the answers.
type Answer = (req: IncomingMessage, body: string, res: ServerResponse) => void;
const seen: { headers: IncomingMessage['headers']; body: string }[] = [];
let answers: Answer[] = [];
let endpoint = '';
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString('utf8')));
  req.on('end', () => {
    seen.push({ headers: req.headers, body });
    const answer =
      answers.shift() ??
      ((_q, _b, r) => r.writeHead(500).end('{"__type":"ServerException","message":"no answer queued"}'));
    answer(req, body, res);
  });
});

const json =
  (status: number, payload: unknown, type?: string): Answer =>
  (_req, _body, res) => {
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': 'f00d-1',
      ...(type
        ? { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.coral.service/` }
        : {}),
    });
    res.end(JSON.stringify(payload));
  };

const tokenFor = (id: string) => ({
  authorizationToken: Buffer.from(`AWS:pw-${id}`).toString('base64'),
  expiresAt: 1767268800,
  proxyEndpoint: `https://${id}.dkr.ecr.us-east-1.amazonaws.com`,
});

describe('getEcrAuthorization with environment keys (signed directly)', () => {
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const env = () => ({
    AWS_ENDPOINT_URL_ECR: endpoint,
    AWS_ACCESS_KEY_ID: 'ASIAEXAMPLEKEY000001',
    AWS_SECRET_ACCESS_KEY: 'unit-test-secret-key',
    AWS_SESSION_TOKEN: 'unit-test-session-token',
  });
  const reset = (...queued: Answer[]) => {
    seen.length = 0;
    answers = queued;
  };

  it('sends one signed JSON 1.1 GetAuthorizationToken with the session token and the registry IDs', async () => {
    reset(json(200, { authorizationData: [tokenFor('111111111111'), tokenFor('222222222222')] }));
    const auths = await getEcrAuthorization({
      region: 'us-east-1',
      registryIds: ['111111111111', '222222222222'],
      log: silentLogger,
      env: env(),
    });
    assert.deepEqual(
      auths.map((a) => [a.registry, a.username, a.password]),
      [
        ['111111111111.dkr.ecr.us-east-1.amazonaws.com', 'AWS', 'pw-111111111111'],
        ['222222222222.dkr.ecr.us-east-1.amazonaws.com', 'AWS', 'pw-222222222222'],
      ],
    );
    assert.equal(seen.length, 1);
    const { headers, body } = seen[0] ?? { headers: {}, body: '' };
    assert.equal(headers['x-amz-target'], 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken');
    assert.equal(headers['content-type'], 'application/x-amz-json-1.1');
    assert.equal(headers['x-amz-security-token'], 'unit-test-session-token');
    assert.match(
      String(headers.authorization),
      /^AWS4-HMAC-SHA256 Credential=ASIAEXAMPLEKEY000001\/\d{8}\/us-east-1\/ecr\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=[0-9a-f]{64}$/,
    );
    assert.deepEqual(JSON.parse(body), { registryIds: ['111111111111', '222222222222'] });
  });

  it('asks for the default registry with an empty request when no registry is given', async () => {
    reset(json(200, { authorizationData: [tokenFor('123456789012')] }));
    await getEcrAuthorization({ region: 'us-east-1', log: silentLogger, env: env() });
    assert.equal(seen[0]?.body, '{}');
  });

  it('retries throttling and a 5xx with back-off, then succeeds', async () => {
    reset(
      json(400, { message: 'Rate exceeded' }, 'ThrottlingException'),
      json(500, { __type: 'ServerException', message: 'internal' }),
      json(200, { authorizationData: [tokenFor('123456789012')] }),
    );
    const log = collectingLogger();
    const auths = await getEcrAuthorization({ region: 'us-east-1', log, env: env() });
    assert.equal(auths.length, 1);
    assert.equal(seen.length, 3);
    assert.equal(log.lines.filter((l) => l.includes('retrying')).length, 2);
  });

  it('retries a connection dropped before the answer', async () => {
    reset((req) => req.socket.destroy(), json(200, { authorizationData: [tokenFor('123456789012')] }));
    const auths = await getEcrAuthorization({ region: 'us-east-1', log: silentLogger, env: env() });
    assert.equal(auths[0]?.password, 'pw-123456789012');
    assert.equal(seen.length, 2);
  });

  it('gives up after four attempts on a service that keeps failing', async () => {
    reset(...Array.from({ length: 6 }, () => json(503, { __type: 'ServiceUnavailableException' })));
    await assert.rejects(
      getEcrAuthorization({ region: 'us-east-1', log: silentLogger, env: env() }),
      /ServiceUnavailableException \(HTTP 503\)/,
    );
    assert.equal(seen.length, 4);
  });

  it('explains AccessDenied with the IAM action, and does not retry it', async () => {
    reset(
      json(
        400,
        {
          message:
            'User: arn:aws:sts::123456789012:assumed-role/ci/run is not authorized to perform: ecr:GetAuthorizationToken on resource: * because no identity-based policy allows the ecr:GetAuthorizationToken action',
        },
        'AccessDeniedException',
      ),
    );
    await assert.rejects(
      getEcrAuthorization({ region: 'us-east-1', log: silentLogger, env: env() }),
      (err: Error) => {
        assert.ok(err instanceof ActionError);
        assert.match(
          err.message,
          /AWS denied ecr:GetAuthorizationToken \(AccessDeniedException\): the role or user needs the IAM permission ecr:GetAuthorizationToken/,
        );
        return true;
      },
    );
    assert.equal(seen.length, 1);
  });

  it('explains a bad signature and an unknown key as credential problems, without retrying', async () => {
    for (const [status, type] of [
      [403, 'InvalidSignatureException'],
      [400, 'UnrecognizedClientException'],
    ] as const) {
      reset(json(status, { message: 'The request signature we calculated does not match' }, type));
      await assert.rejects(
        getEcrAuthorization({ region: 'us-east-1', log: silentLogger, env: env() }),
        new RegExp(`AWS did not accept the credentials for ecr:GetAuthorizationToken \\(${type}\\)`),
      );
      assert.equal(seen.length, 1, type);
    }
  });

  it('names the endpoint when nothing listens there, without retrying', async () => {
    const log = collectingLogger();
    await assert.rejects(
      getEcrAuthorization({
        region: 'us-east-1',
        log,
        env: { ...env(), AWS_ENDPOINT_URL_ECR: 'http://127.0.0.1:9' },
      }),
      /could not reach the ECR API at http:\/\/127\.0\.0\.1:9 for ecr:GetAuthorizationToken: ECONNREFUSED/,
    );
    assert.deepEqual(
      log.lines.filter((l) => /retrying/.test(l)),
      [],
    );
  });

  it('never puts the secret key into an error message', async () => {
    reset(json(403, { message: 'Signature mismatch' }, 'InvalidSignatureException'));
    await assert.rejects(
      getEcrAuthorization({ region: 'us-east-1', log: silentLogger, env: env() }),
      (err: Error) => {
        assert.ok(!err.message.includes('unit-test-secret-key'));
        return true;
      },
    );
  });
});

describe('getEcrAuthorization through the AWS SDK', () => {
  it('reports missing credentials clearly when no source is configured', async () => {
    const saved = { ...process.env };
    for (const k of Object.keys(process.env))
      if (k.startsWith('AWS_')) Reflect.deleteProperty(process.env, k);
    Object.assign(process.env, {
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
      AWS_CONFIG_FILE: '/nonexistent/config',
    });
    try {
      await assert.rejects(
        getEcrAuthorization({ region: 'us-east-1', log: silentLogger }),
        /no AWS credentials for ecr:GetAuthorizationToken: add aws-actions\/configure-aws-credentials/,
      );
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) Reflect.deleteProperty(process.env, k);
      Object.assign(process.env, saved);
    }
  });
});
