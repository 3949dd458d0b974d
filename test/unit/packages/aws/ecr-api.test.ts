// The ECR API module against moto (real ECR JSON 1.1 server, SigV4 checked and IAM enforced after
// the first requests): which endpoint a call goes to, that the SDK's signer on Slipway's agent is
// accepted, how AWS's refusals read, and which failures are retried.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ActionError, collectingLogger } from '@slipway/action-kit';
import {
  AwsJsonError,
  ecrApiEndpoint,
  explainEcrError,
  isRetryableEcrError,
  openEcr,
  type EcrApi,
} from '@slipway/aws/ecr-api.ts';
import { ensureRepository } from '@slipway/aws/ecr-repository.ts';
import { awsErrorCode, explainAwsError } from '@slipway/aws/errors.ts';
import { type IamUserKeys, type MotoServer, createRestrictedUser, startMoto } from '@slipway/testbed';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';

const work = mkdtempSync(join(tmpdir(), 'slw-ecr-api-'));
let moto: MotoServer;
/** May describe repositories and get tokens; nothing else. */
let reader: IamUserKeys;
/** May do anything in ECR. */
let admin: IamUserKeys;
/** May create roles and assume them (for temporary credentials with a session token). */
let assumer: IamUserKeys;

before(async () => {
  // Three users take three IAM calls each; every request after those nine is signature-checked
  // and authorised against the caller's policy.
  moto = await startMoto({ initialNoAuthActionCount: 9, logDir: work });
  admin = await createRestrictedUser(moto, 'ecr-admin', {
    Statement: [{ Effect: 'Allow', Action: ['ecr:*'], Resource: '*' }],
  });
  assumer = await createRestrictedUser(moto, 'role-assumer', {
    Statement: [{ Effect: 'Allow', Action: ['iam:*', 'sts:*'], Resource: '*' }],
  });
  reader = await createRestrictedUser(moto, 'ecr-reader', {
    Statement: [
      {
        Effect: 'Allow',
        Action: ['ecr:DescribeRepositories', 'ecr:GetAuthorizationToken'],
        Resource: '*',
      },
    ],
  });
});
after(async () => {
  await moto.stop();
  rmSync(work, { recursive: true, force: true });
});

const keysEnv = (keys: IamUserKeys, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  AWS_ENDPOINT_URL: moto.url,
  AWS_ACCESS_KEY_ID: keys.accessKeyId,
  AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
  ...extra,
});

/** Runs `fn` with process.env replaced (the SDK's credential chain reads process.env). */
async function withProcessEnv<T>(env: NodeJS.ProcessEnv, fn: () => Promise<T>): Promise<T> {
  const saved = process.env;
  process.env = { PATH: saved.PATH ?? '', AWS_EC2_METADATA_DISABLED: 'true', ...env };
  try {
    return await fn();
  } finally {
    process.env = saved;
  }
}

/** A profile file holding `keys`, for the SDK path. */
function profileEnv(keys: IamUserKeys): NodeJS.ProcessEnv {
  const file = join(work, `credentials-${keys.userName}`);
  writeFileSync(
    file,
    `[ci]\naws_access_key_id = ${keys.accessKeyId}\naws_secret_access_key = ${keys.secretAccessKey}\n`,
  );
  return {
    AWS_ENDPOINT_URL: moto.url,
    AWS_PROFILE: 'ci',
    AWS_SHARED_CREDENTIALS_FILE: file,
    AWS_CONFIG_FILE: join(work, 'no-config'),
  };
}

/** An IAM or STS (query protocol) call to moto, signed with `keys`; returns the XML answer. */
async function queryCall(keys: IamUserKeys, service: 'iam' | 'sts', params: Record<string, string>) {
  const url = new URL(moto.url);
  const body = new URLSearchParams(params).toString();
  const signer = new SignatureV4({ service, region: 'us-east-1', credentials: keys, sha256: Sha256 });
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    query: {},
    headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  const res = await fetch(`${moto.url}/`, {
    method: 'POST',
    headers: signed.headers as Record<string, string>,
    body,
  });
  const xml = await res.text();
  if (!res.ok) throw new Error(`${service} ${params.Action} answered ${res.status}: ${xml.slice(0, 300)}`);
  return xml;
}

/** Temporary credentials (with a session token) of a role that may only describe repositories. */
async function assumeReaderRole(): Promise<NodeJS.ProcessEnv> {
  const policy = (statement: unknown) => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
  await queryCall(assumer, 'iam', {
    Action: 'CreateRole',
    Version: '2010-05-08',
    RoleName: 'ecr-reader-role',
    AssumeRolePolicyDocument: policy({
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::123456789012:user/role-assumer' },
      Action: 'sts:AssumeRole',
    }),
  });
  await queryCall(assumer, 'iam', {
    Action: 'PutRolePolicy',
    Version: '2010-05-08',
    RoleName: 'ecr-reader-role',
    PolicyName: 'describe',
    PolicyDocument: policy({ Effect: 'Allow', Action: 'ecr:DescribeRepositories', Resource: '*' }),
  });
  const xml = await queryCall(assumer, 'sts', {
    Action: 'AssumeRole',
    Version: '2011-06-15',
    RoleArn: 'arn:aws:iam::123456789012:role/ecr-reader-role',
    RoleSessionName: 'ci-run',
  });
  const field = (tag: string) => new RegExp(`<${tag}>([^<]+)</${tag}>`).exec(xml)?.[1] ?? '';
  return {
    AWS_ENDPOINT_URL: moto.url,
    AWS_ACCESS_KEY_ID: field('AccessKeyId'),
    AWS_SECRET_ACCESS_KEY: field('SecretAccessKey'),
    AWS_SESSION_TOKEN: field('SessionToken'),
  };
}

describe('ECR endpoint choice', () => {
  it('prefers AWS_ENDPOINT_URL_ECR over AWS_ENDPOINT_URL, and ignores both when told to', () => {
    const env = { AWS_ENDPOINT_URL_ECR: 'http://ecr:2', AWS_ENDPOINT_URL: 'http://general:1' };
    assert.equal(ecrApiEndpoint('us-east-1', env), 'http://ecr:2');
    assert.equal(
      ecrApiEndpoint('eu-west-1', { ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }),
      'https://api.ecr.eu-west-1.amazonaws.com',
    );
  });

  it('leaves FIPS, dual-stack and isolated partitions to the SDK, which knows their hosts', () => {
    for (const env of [{ AWS_USE_FIPS_ENDPOINT: 'true' }, { AWS_USE_DUALSTACK_ENDPOINT: 'true' }]) {
      assert.equal(ecrApiEndpoint('us-gov-west-1', env), undefined);
    }
    assert.equal(ecrApiEndpoint('us-isob-east-1', {}), undefined);
    assert.equal(ecrApiEndpoint('cn-north-1', {}), 'https://api.ecr.cn-north-1.amazonaws.com.cn');
  });

  it('sends to AWS_ENDPOINT_URL_ECR when both it and AWS_ENDPOINT_URL are set', async () => {
    const api = await openEcr('us-east-1', undefined, {
      env: keysEnv(reader, { AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_ENDPOINT_URL_ECR: moto.url }),
    });
    assert.equal(api.via, 'signed');
    assert.equal(api.endpoint, moto.url);
    const out = await api.send<{ repositories?: unknown[] }>('DescribeRepositories', {});
    assert.ok(Array.isArray(out.repositories));
  });

  it('signs with environment keys; a profile or a FIPS endpoint goes through the SDK client', async () => {
    const signed = await openEcr('us-east-1', undefined, { env: keysEnv(reader) });
    assert.equal(signed.via, 'signed');
    const fips = await openEcr('us-east-1', undefined, {
      env: { ...keysEnv(reader), AWS_ENDPOINT_URL: '', AWS_USE_FIPS_ENDPOINT: 'true' },
    });
    assert.equal(fips.via, 'sdk');
    fips.close();
    await withProcessEnv(profileEnv(reader), async () => {
      const api = await openEcr('us-east-1');
      try {
        assert.equal(api.via, 'sdk');
        const out = await api.send<{ repositories?: unknown[] }>('DescribeRepositories', {});
        assert.ok(Array.isArray(out.repositories));
      } finally {
        api.close();
      }
    });
  });

  it('names the variables when the configured endpoint is not a URL', async () => {
    await assert.rejects(
      openEcr('us-east-1', undefined, { env: keysEnv(reader, { AWS_ENDPOINT_URL_ECR: 'not a url' }) }),
      /the ECR endpoint "not a url" \(AWS_ENDPOINT_URL_ECR \/ AWS_ENDPOINT_URL\) is not a URL/,
    );
  });
});

describe('ECR calls signed with the SDK signer, checked by moto', () => {
  it('are accepted with the right secret', async () => {
    const api = await openEcr('us-east-1', undefined, { env: keysEnv(admin) });
    const out = await api.send<{ repository?: { repositoryName?: string } }>('CreateRepository', {
      repositoryName: 'signed/ok',
    });
    assert.equal(out.repository?.repositoryName, 'signed/ok');
  });

  it('carry the session token of temporary credentials, which moto checks', async () => {
    const env = await assumeReaderRole();
    assert.match(env.AWS_ACCESS_KEY_ID ?? '', /^ASIA/);
    const api = await openEcr('us-east-1', undefined, { env });
    const out = await api.send<{ repositories?: unknown[] }>('DescribeRepositories', {});
    assert.ok(Array.isArray(out.repositories));
    const denied = await api
      .send('CreateRepository', { repositoryName: 'role/denied' })
      .catch((e: unknown) => e);
    assert.match(
      explainEcrError(denied, 'ecr:CreateRepository', 'role/denied').message,
      /^AWS denied ecr:CreateRepository on role\/denied \(AccessDenied\): the role or user needs the IAM permission ecr:CreateRepository\. AWS said: User: arn:aws:sts::123456789012:assumed-role\/ecr-reader-role\/ci-run/,
    );
    const forged = await openEcr('us-east-1', undefined, { env: { ...env, AWS_SESSION_TOKEN: 'forged' } });
    const refused = await forged.send('DescribeRepositories', {}).catch((e: unknown) => e);
    assert.equal(awsErrorCode(refused), 'InvalidClientTokenId');
    assert.match(
      explainEcrError(refused, 'ecr:DescribeRepositories').message,
      /^AWS did not accept the credentials for ecr:DescribeRepositories \(InvalidClientTokenId\)/,
    );
  });

  it('are refused with a wrong secret, explained as a credential problem and not retried', async () => {
    const log = collectingLogger();
    const api = await openEcr('us-east-1', undefined, {
      env: keysEnv(reader, { AWS_SECRET_ACCESS_KEY: 'not-the-secret' }),
      log,
    });
    const err = await api.send('DescribeRepositories', {}).then(
      () => assert.fail('a wrong secret was accepted'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof AwsJsonError);
    assert.equal(err.name, 'SignatureDoesNotMatch');
    assert.equal(isRetryableEcrError(err), false);
    assert.deepEqual(
      log.lines.filter((l) => l.includes('retrying')),
      [],
    );
    const explained = explainAwsError(err, { action: 'ecr:DescribeRepositories' });
    assert.match(
      explained.message,
      /^AWS did not accept the credentials for ecr:DescribeRepositories \(SignatureDoesNotMatch\): check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY/,
    );
    assert.ok(!explained.message.includes('not-the-secret'));
  });
});

describe('ECR refusals name the IAM action on both paths', () => {
  const denied = async (api: EcrApi) => {
    try {
      await ensureRepository(api, {
        name: 'denied/repo',
        create: true,
        tagMutability: 'IMMUTABLE',
        scanOnPush: false,
        log: collectingLogger(),
      });
    } catch (err) {
      return err;
    } finally {
      api.close();
    }
    return assert.fail('CreateRepository was not denied');
  };

  it('a real AccessDenied for CreateRepository names ecr:CreateRepository and is not retried', async () => {
    const log = collectingLogger();
    const signed = await denied(await openEcr('us-east-1', undefined, { env: keysEnv(reader), log }));
    const sdk = await withProcessEnv(profileEnv(reader), async () => denied(await openEcr('us-east-1')));
    assert.ok(signed instanceof ActionError);
    assert.match(
      signed.message,
      /^AWS denied ecr:CreateRepository on denied\/repo \(AccessDenied\): the role or user needs the IAM permission ecr:CreateRepository\. AWS said: User: arn:aws:iam::123456789012:user\/ecr-reader is not authorized to perform: ecr:CreateRepository/,
    );
    // moto answers the denial in XML, which the SDK's JSON parser cannot read (AWS answers JSON),
    // so only the HTTP 403 reaches the explanation: it still names the IAM action.
    assert.ok(sdk instanceof ActionError);
    assert.match(
      sdk.message,
      /^AWS denied ecr:CreateRepository on denied\/repo \(\w+\): the role or user needs the IAM permission ecr:CreateRepository\./,
    );
    assert.deepEqual(
      log.lines.filter((l) => l.includes('retrying')),
      [],
    );
  });
});

describe('retry classification', () => {
  it('fails fast on moto 4xx answers: a missing repository, a denial', async () => {
    const api = await openEcr('us-east-1', undefined, { env: keysEnv(admin) });
    const missing = await api
      .send('DescribeRepositories', { repositoryNames: ['no/such/repo'] })
      .catch((e: unknown) => e);
    assert.equal(awsErrorCode(missing), 'RepositoryNotFoundException');
    assert.equal(isRetryableEcrError(missing), false);
    const readerApi = await openEcr('us-east-1', undefined, { env: keysEnv(reader) });
    const refused = await readerApi.send('PutLifecyclePolicy', {}).catch((e: unknown) => e);
    assert.equal(awsErrorCode(refused), 'AccessDenied');
    assert.equal(isRetryableEcrError(refused), false);
  });

  it('fails fast, naming the endpoint, when nothing listens there', async () => {
    const log = collectingLogger();
    const api = await openEcr('us-east-1', undefined, {
      env: keysEnv(reader, { AWS_ENDPOINT_URL_ECR: 'http://127.0.0.1:9' }),
      log,
    });
    await assert.rejects(
      api.send('DescribeRepositories', {}),
      (err: Error) =>
        err instanceof ActionError &&
        /^could not reach the ECR API at http:\/\/127\.0\.0\.1:9 for ecr:DescribeRepositories: ECONNREFUSED/.test(
          err.message,
        ),
    );
    assert.deepEqual(
      log.lines.filter((l) => l.includes('retrying')),
      [],
    );
  });

  it('retries a connection dropped before moto answered, then gets the answer', async () => {
    // A TCP relay to moto that drops the first connection as soon as the request arrives.
    const target = new URL(moto.url);
    let connections = 0;
    const relay: Server = createServer((client: Socket) => {
      connections++;
      if (connections === 1) {
        client.once('data', () => client.destroy());
        return;
      }
      const upstream = connect(Number(target.port), target.hostname);
      client.pipe(upstream).pipe(client);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    try {
      const log = collectingLogger();
      const api = await openEcr('us-east-1', undefined, {
        env: keysEnv(reader, {
          AWS_ENDPOINT_URL_ECR: `http://127.0.0.1:${(relay.address() as AddressInfo).port}`,
        }),
        log,
      });
      const out = await api.send<{ repositories?: unknown[] }>('DescribeRepositories', {});
      assert.ok(Array.isArray(out.repositories));
      assert.equal(log.lines.filter((l) => /ECR DescribeRepositories failed .*retrying/.test(l)).length, 1);
      assert.ok(connections >= 2);
    } finally {
      relay.close();
    }
  });

  it('retries throttling, 429 and 5xx answers and nothing else', () => {
    const answer = (code: string, status: number) => new AwsJsonError(code, 'x', status, undefined);
    assert.equal(isRetryableEcrError(answer('ThrottlingException', 400)), true);
    assert.equal(isRetryableEcrError(answer('TooManyRequestsException', 429)), true);
    assert.equal(isRetryableEcrError(answer('ServerException', 500)), true);
    assert.equal(isRetryableEcrError(answer('InvalidParameterException', 400)), false);
    assert.equal(isRetryableEcrError(answer('AccessDeniedException', 400)), false);
  });
});
