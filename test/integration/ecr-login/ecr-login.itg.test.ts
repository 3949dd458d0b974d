// ecr-login through its built bundle, as the runner runs it, against moto (ECR API and STS),
// docker-registry and dockerd from the test bed.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  allText,
  awsEnv,
  createRestrictedUser,
  runActionStep,
  startMoto,
  testbed,
  uniqueName,
  writeDockerArchive,
  type ActionRun,
  type MotoServer,
  dockerCli,
} from '@slipway/testbed';

const ECR_HOST = '123456789012.dkr.ecr.us-east-1.amazonaws.com';

/** Fresh environment keys: moto accepts any, and unique values make the secret greps meaningful. */
function keys(): Record<string, string> & { AWS_SECRET_ACCESS_KEY: string; AWS_SESSION_TOKEN: string } {
  return {
    ...awsEnv(),
    AWS_SECRET_ACCESS_KEY: `slw-secret-${randomBytes(12).toString('hex')}`,
    AWS_SESSION_TOKEN: `slw-session-${randomBytes(12).toString('hex')}`,
  };
}

/** A private Docker config dir, optionally with a config already in it. */
function dockerConfigDir(content?: unknown): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'slw-dcfg-'));
  const file = join(dir, 'config.json');
  if (content !== undefined) writeFileSync(file, JSON.stringify(content, null, 2));
  return { dir, file };
}

const readJson = (file: string): Record<string, unknown> =>
  JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;

/** Runs the post step the way the runner does after later steps ran: STATE_* from the main step. */
function runPost(
  main: ActionRun,
  env: Record<string, string>,
  inputs: Record<string, string> = {},
): Promise<ActionRun> {
  const state = Object.fromEntries(Object.entries(main.state).map(([k, v]) => [`STATE_${k}`, v]));
  return runActionStep('ecr-login', { inputs, env: { ...env, ...state }, post: false });
}

const docker = dockerCli;

/** The one `::error::` line of a failed run, and its exit code. */
function assertOneError(run: ActionRun, pattern: RegExp): void {
  assert.equal(run.exitCode, 1, run.output);
  const errors = run.annotations.filter((a) => a.level === 'error');
  assert.equal(errors.length, 1, run.output);
  assert.match(errors[0]?.message ?? '', pattern);
}

/** Secrets never show up in anything printed or in the runner's files; the password only as its masked output. */
function assertNoSecrets(run: ActionRun, secrets: string[], password: string): void {
  const text = allText(run);
  for (const secret of secrets) assert.ok(!text.includes(secret), `a secret (${secret.slice(0, 8)}…) leaked`);
  const withoutOutput = text.replace(
    new RegExp(`docker-password<<(ghadelimiter_[^\\n]+)\\n${password}\\n\\1`),
    '',
  );
  assert.ok(!withoutOutput.includes(password), 'the ECR password appears outside the docker-password output');
}

/**
 * A stand-in for the ECR API speaking its JSON 1.1 protocol, answering what AWS answers a role
 * without ecr:GetAuthorizationToken; it counts requests to prove nothing is retried or sent.
 */
class DenyingEcr {
  requests: IncomingMessage[] = [];
  private server: Server = createServer((req, res) => {
    this.requests.push(req);
    req.resume();
    req.on('end', () => {
      res.writeHead(400, {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-requestid': '7c6a1e5e-1d2b-4c1e-9a3f-0f1e2d3c4b5a',
        'x-amzn-errortype':
          'AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral.service/',
      });
      res.end(
        JSON.stringify({
          message:
            'User: arn:aws:sts::123456789012:assumed-role/ci-push/GitHubActions is not authorized to perform: ecr:GetAuthorizationToken on resource: * because no identity-based policy allows the ecr:GetAuthorizationToken action',
        }),
      );
    });
  });
  url = '';
  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('ecr-login with environment keys', () => {
  test('logs in for registry-url, docker push works with the written config, and the post step removes exactly that entry', async () => {
    const { registry } = testbed();
    const before = {
      auths: { 'ghcr.io': { auth: Buffer.from('octocat:ghp_example').toString('base64') } },
      credHelpers: { 'gcr.io': 'gcloud' },
      HttpHeaders: { 'User-Agent': 'Docker-Client/28.0.0 (linux)' },
    };
    const { dir, file } = dockerConfigDir(before);
    const env = { ...keys(), DOCKER_CONFIG: dir };

    const main = await runActionStep('ecr-login', {
      inputs: { 'registry-url': registry.url },
      env,
      post: false,
    });
    assert.equal(main.exitCode, 0, main.output);
    assert.equal(main.outputs.registry, registry.host);
    assert.equal(main.outputs['docker-username'], 'AWS');
    assert.equal(main.outputs['docker-password'], registry.password);
    assert.equal(main.outputs['expires-at'], '2015-01-01T00:00:00.000Z');
    const token = Buffer.from(`AWS:${registry.password}`).toString('base64');
    assert.ok(
      main.masks.includes(registry.password) && main.masks.includes(token),
      'password and token masked',
    );
    assert.ok(
      main.output.indexOf(`::add-mask::${registry.password}`) < main.output.indexOf('Logged in'),
      'masked before anything else is printed',
    );
    const during = readJson(file) as typeof before;
    assert.deepEqual(during.auths, { ...before.auths, [registry.host]: { auth: token } });
    assert.deepEqual(during.credHelpers, before.credHelpers);
    assert.deepEqual(JSON.parse(main.state['logged-in'] ?? '{}'), { config: file, hosts: [registry.host] });

    const name = uniqueName('login-push');
    const archive = join(dir, 'image.tar');
    await writeDockerArchive(archive, {
      layers: 2,
      layerSize: 16 * 1024,
      seed: name,
      repoTags: [`${name}:local`],
    });
    assert.equal((await docker(dir, ['load', '-i', archive])).code, 0);
    const target = `${registry.host}/${name}:v1`;
    assert.equal((await docker(dir, ['tag', `${name}:local`, target])).code, 0);
    const push = await docker(dir, ['push', target]);
    assert.equal(push.code, 0, push.out);
    assert.match(push.out, /digest: sha256:[0-9a-f]{64}/);

    const post = await runPost(main, env);
    assert.equal(post.exitCode, 0, post.output);
    assert.match(post.output, new RegExp(`Logged out of ${registry.host.replace(/\./g, '\\.')}`));
    assert.deepEqual(readJson(file), before);
    // And docker can no longer push there.
    const denied = await docker(dir, ['push', target]);
    assert.notEqual(denied.code, 0, denied.out);

    assertNoSecrets(main, [env.AWS_SECRET_ACCESS_KEY, env.AWS_SESSION_TOKEN, token], registry.password);
    assertNoSecrets(post, [env.AWS_SECRET_ACCESS_KEY, registry.password, token], registry.password);
  });

  test('logs in to several registries, a host in another region with a token from that region, and logs out of all', async () => {
    const { dir, file } = dockerConfigDir();
    const env = { ...keys(), DOCKER_CONFIG: dir };
    const hosts = [
      '111111111111.dkr.ecr.us-east-1.amazonaws.com',
      '222222222222.dkr.ecr.eu-west-1.amazonaws.com',
    ];
    const run = await runActionStep('ecr-login', {
      inputs: { registries: '111111111111\n222222222222.dkr.ecr.eu-west-1.amazonaws.com' },
      env,
    });
    assert.equal(run.exitCode, 0, run.output);
    assert.equal(run.outputs.registry, hosts.join(','));
    assert.equal(run.outputs['docker-password'], '111111111111-auth-token');
    assert.ok(run.masks.includes('222222222222-auth-token'));
    assert.equal(run.post?.exitCode, 0, run.post?.output);
    assert.deepEqual(readJson(file), { auths: {} });
    for (const host of hosts)
      assert.match(run.post?.output ?? '', new RegExp(`Logged out of ${host.replace(/\./g, '\\.')}`));
  });

  test('needs no region when every registry is a host that names its own', async () => {
    const { dir, file } = dockerConfigDir();
    const host = '333333333333.dkr.ecr.ap-southeast-2.amazonaws.com';
    const env = { ...keys(), AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined, DOCKER_CONFIG: dir };
    const run = await runActionStep('ecr-login', { inputs: { registries: host }, env, post: false });
    assert.equal(run.exitCode, 0, run.output);
    assert.equal(run.outputs.registry, host);
    assert.ok((readJson(file).auths as Record<string, unknown>)[host]);
  });

  test('keys the login by the token registry when no registry-url is given, and skip-logout keeps it', async () => {
    const { dir, file } = dockerConfigDir();
    const env = { ...keys(), DOCKER_CONFIG: dir };
    const run = await runActionStep('ecr-login', { inputs: { 'skip-logout': 'true' }, env });
    assert.equal(run.exitCode, 0, run.output);
    assert.equal(run.outputs.registry, ECR_HOST);
    assert.equal(run.state['logged-in'], undefined);
    assert.equal(run.post?.exitCode, 0);
    assert.deepEqual(Object.keys((readJson(file).auths as Record<string, unknown>) ?? {}), [ECR_HOST]);
  });

  test('puts back an earlier login and a credHelpers entry for the same host, keeping the old secret out of state', async () => {
    const earlier = { auth: Buffer.from('AWS:an-older-ecr-password').toString('base64') };
    const before = { auths: { [ECR_HOST]: earlier }, credHelpers: { [ECR_HOST]: 'ecr-login' } };
    const { dir, file } = dockerConfigDir(before);
    const env = { ...keys(), DOCKER_CONFIG: dir };
    const main = await runActionStep('ecr-login', { env, post: false });
    assert.equal(main.exitCode, 0, main.output);
    const during = readJson(file) as {
      auths: Record<string, { auth: string }>;
      credHelpers: Record<string, string>;
    };
    assert.notEqual(during.auths[ECR_HOST]?.auth, earlier.auth);
    assert.deepEqual(during.credHelpers, {});
    assert.match(main.output, /docker-credential-ecr-login, which would hide this login/);
    assert.ok(!JSON.stringify(main.state).includes(earlier.auth), 'the earlier login is not in step state');
    const post = await runPost(main, env);
    assert.equal(post.exitCode, 0, post.output);
    assert.deepEqual(readJson(file), before);
    assert.match(post.output, /Restored the earlier Docker login/);
  });

  test('with mask-password false leaves the password unmasked for other jobs but still masks the token', async () => {
    const { dir } = dockerConfigDir();
    const run = await runActionStep('ecr-login', {
      inputs: { 'mask-password': 'false' },
      env: { ...keys(), DOCKER_CONFIG: dir },
    });
    assert.equal(run.exitCode, 0, run.output);
    const password = run.outputs['docker-password'];
    assert.ok(typeof password === 'string' && password.length > 0, 'the docker-password output is set');
    assert.ok(!run.masks.includes(password));
    assert.ok(run.masks.includes(Buffer.from(`AWS:${password}`).toString('base64')));
  });

  test('runs on Node 20 too (act containers)', async () => {
    const { dir } = dockerConfigDir();
    const run = await runActionStep('ecr-login', { env: { ...keys(), DOCKER_CONFIG: dir }, nodeVersion: 20 });
    assert.equal(run.exitCode, 0, run.output);
    assert.equal(run.post?.exitCode, 0, run.post?.output);
  });
});

describe('ecr-login through the AWS SDK credential chain', () => {
  const withoutKeys = (): Record<string, string | undefined> => ({
    ...awsEnv(),
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
  });

  test('logs in with credentials from a profile (AWS_PROFILE and a shared credentials file)', async () => {
    const { dir, file } = dockerConfigDir();
    const aws = mkdtempSync(join(tmpdir(), 'slw-aws-'));
    const secret = `slw-profile-secret-${randomBytes(8).toString('hex')}`;
    writeFileSync(
      join(aws, 'credentials'),
      `[ci]\naws_access_key_id = AKIAPROFILEEXAMPLE01\naws_secret_access_key = ${secret}\n`,
    );
    writeFileSync(join(aws, 'config'), '[profile ci]\nregion = us-east-1\n');
    const run = await runActionStep('ecr-login', {
      env: {
        ...withoutKeys(),
        AWS_PROFILE: 'ci',
        AWS_SHARED_CREDENTIALS_FILE: join(aws, 'credentials'),
        AWS_CONFIG_FILE: join(aws, 'config'),
        DOCKER_CONFIG: dir,
      },
      post: false,
    });
    assert.equal(run.exitCode, 0, run.output);
    assert.match(run.output, /through the AWS SDK with the AWS profile "ci"/);
    assert.ok(readJson(file).auths);
    assert.ok(!allText(run).includes(secret));
  });

  test('logs in with a web identity token (OIDC) through sts:AssumeRoleWithWebIdentity', async () => {
    const { dir } = dockerConfigDir();
    const tokenFile = join(mkdtempSync(join(tmpdir(), 'slw-oidc-')), 'token');
    const jwt = [
      'eyJhbGciOiJSUzI1NiJ9',
      Buffer.from(
        JSON.stringify({ sub: 'repo:acme/shop:ref:refs/heads/main', aud: 'sts.amazonaws.com' }),
      ).toString('base64url'),
      'c2lnbmF0dXJl',
    ].join('.');
    writeFileSync(tokenFile, jwt);
    const run = await runActionStep('ecr-login', {
      env: {
        ...withoutKeys(),
        AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
        AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/ci-push',
        AWS_ROLE_SESSION_NAME: 'GitHubActions',
        DOCKER_CONFIG: dir,
      },
    });
    assert.equal(run.exitCode, 0, run.output);
    assert.match(run.output, /through the AWS SDK with the web identity token/);
    assert.equal(run.outputs.registry, ECR_HOST);
    assert.equal(run.post?.exitCode, 0, run.post?.output);
    assert.ok(!allText(run).includes(jwt), 'the OIDC token is not printed');
  });

  test('says clearly that there are no credentials at all', async () => {
    const { dir, file } = dockerConfigDir();
    const run = await runActionStep('ecr-login', {
      env: {
        ...withoutKeys(),
        AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
        AWS_CONFIG_FILE: join(dir, 'none'),
        DOCKER_CONFIG: dir,
      },
    });
    assertOneError(
      run,
      /^ecr-login: no AWS credentials for ecr:GetAuthorizationToken: add aws-actions\/configure-aws-credentials/,
    );
    assert.equal(existsSync(file), false);
    assert.equal(run.post?.exitCode, 0, run.post?.output);
  });
});

describe('ecr-login failures from AWS', () => {
  let denying: DenyingEcr;
  let enforcing: MotoServer;
  let allowed: { accessKeyId: string; secretAccessKey: string };
  let s3Only: { accessKeyId: string; secretAccessKey: string };
  before(async () => {
    denying = new DenyingEcr();
    await denying.start();
    // Two users (3 unauthenticated requests each), then moto checks signatures and IAM policies.
    enforcing = await startMoto({ initialNoAuthActionCount: 6 });
    allowed = await createRestrictedUser(enforcing, 'pusher', {
      Statement: [{ Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' }],
    });
    s3Only = await createRestrictedUser(enforcing, 'reader', {
      Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
    });
  });
  after(async () => {
    await denying.stop();
    await enforcing.stop();
  });
  const enforcedEnv = (k: { accessKeyId: string; secretAccessKey: string }) => ({
    ...awsEnv(enforcing),
    AWS_ACCESS_KEY_ID: k.accessKeyId,
    AWS_SECRET_ACCESS_KEY: k.secretAccessKey,
  });

  test('names ecr:GetAuthorizationToken when ECR answers AccessDeniedException, without retrying', async () => {
    const { dir, file } = dockerConfigDir();
    const env = { ...keys(), AWS_ENDPOINT_URL_ECR: denying.url, DOCKER_CONFIG: dir };
    const run = await runActionStep('ecr-login', { env });
    assertOneError(
      run,
      /^ecr-login: AWS denied ecr:GetAuthorizationToken \(AccessDeniedException\): the role or user needs the IAM permission ecr:GetAuthorizationToken\. AWS said: User: arn:aws:sts::123456789012:assumed-role\/ci-push/,
    );
    assert.equal(denying.requests.length, 1);
    assert.equal(existsSync(file), false);
    assert.ok(!allText(run).includes(env.AWS_SECRET_ACCESS_KEY));
  });

  test('signs requests moto verifies: a user with the permission logs in', async () => {
    const { dir } = dockerConfigDir();
    const run = await runActionStep('ecr-login', { env: { ...enforcedEnv(allowed), DOCKER_CONFIG: dir } });
    assert.equal(run.exitCode, 0, run.output);
    assert.equal(run.outputs.registry, ECR_HOST);
  });

  test('names ecr:GetAuthorizationToken when moto enforces IAM and the user lacks it', async () => {
    const { dir } = dockerConfigDir();
    const run = await runActionStep('ecr-login', { env: { ...enforcedEnv(s3Only), DOCKER_CONFIG: dir } });
    assertOneError(
      run,
      /AWS denied ecr:GetAuthorizationToken \(AccessDenied\): the role or user needs the IAM permission ecr:GetAuthorizationToken/,
    );
  });

  test('fails fast with a clear message on a wrong secret key or an unknown key ID', async () => {
    for (const [creds, code] of [
      [{ ...allowed, secretAccessKey: 'slw-wrong-secret-0123456789' }, 'SignatureDoesNotMatch'],
      [{ ...allowed, accessKeyId: 'AKIAUNKNOWN000000000' }, 'InvalidClientTokenId'],
    ] as const) {
      const { dir, file } = dockerConfigDir();
      const run = await runActionStep('ecr-login', { env: { ...enforcedEnv(creds), DOCKER_CONFIG: dir } });
      assertOneError(
        run,
        new RegExp(
          `^ecr-login: AWS did not accept the credentials for ecr:GetAuthorizationToken \\(${code}\\)`,
        ),
      );
      // Fails fast: a refused credential is not retried.
      assert.doesNotMatch(run.output, /retrying/);
      assert.equal(existsSync(file), false);
      assert.ok(!allText(run).includes(creds.secretAccessKey));
    }
  });
});

describe('ecr-login input validation', () => {
  let denying: DenyingEcr;
  before(async () => {
    denying = new DenyingEcr();
    await denying.start();
  });
  after(() => denying.stop());

  const cases: [string, Record<string, string>, Record<string, string | undefined>, RegExp][] = [
    [
      'a registry that is neither an account ID nor an ECR host',
      { registries: '12345, 123456789012' },
      {},
      /^ecr-login: input registries: "12345" is not an AWS account ID \(12 digits\) or an ECR registry host such as 123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com$/,
    ],
    [
      'a region that does not exist',
      { region: 'moon-1' },
      {},
      /^ecr-login: input region: "moon-1" is not an AWS region; use e\.g\. us-east-1$/,
    ],
    [
      'no region anywhere',
      {},
      { AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined },
      /^ecr-login: input region: no AWS region/,
    ],
    [
      'a mask-password that is not a boolean',
      { 'mask-password': 'maybe' },
      {},
      /^ecr-login: input mask-password: "maybe" is not a boolean; use true or false$/,
    ],
    [
      'a skip-logout that is not a boolean',
      { 'skip-logout': 'later' },
      {},
      /^ecr-login: input skip-logout: "later" is not a boolean/,
    ],
    [
      'a registry-url with a path',
      { 'registry-url': 'http://127.0.0.1:5000/v2/shop' },
      {},
      /^ecr-login: input registry-url: "http:\/\/127\.0\.0\.1:5000\/v2\/shop" is not a registry base URL/,
    ],
    [
      'a registry-url with several registries',
      { 'registry-url': '127.0.0.1:5000', registries: '111111111111,222222222222' },
      {},
      /^ecr-login: input registry-url: overrides the address of one registry/,
    ],
  ];
  for (const [what, inputs, extraEnv, message] of cases) {
    test(`rejects ${what} with one error line, no request and the Docker config untouched`, async () => {
      const before = { auths: { 'ghcr.io': { auth: 'b2N0b2NhdDp4' } } };
      const { dir, file } = dockerConfigDir(before);
      const original = readFileSync(file, 'utf8');
      const sent = denying.requests.length;
      const run = await runActionStep('ecr-login', {
        inputs,
        env: { ...keys(), AWS_ENDPOINT_URL: denying.url, DOCKER_CONFIG: dir, ...extraEnv },
      });
      assertOneError(run, message);
      assert.equal(denying.requests.length, sent, 'no request to ECR');
      assert.equal(readFileSync(file, 'utf8'), original);
      assert.equal(run.post?.exitCode, 0, run.post?.output);
      assert.equal(readFileSync(file, 'utf8'), original);
    });
  }
});

// Keep the HOME-based default honest too: without DOCKER_CONFIG the login lands in ~/.docker.
test('writes to ~/.docker/config.json when DOCKER_CONFIG is not set', async () => {
  const home = mkdtempSync(join(tmpdir(), 'slw-home-'));
  mkdirSync(join(home, '.docker'));
  const run = await runActionStep('ecr-login', {
    env: { ...keys(), DOCKER_CONFIG: undefined },
    home,
    post: false,
  });
  assert.equal(run.exitCode, 0, run.output);
  assert.ok((readJson(join(home, '.docker', 'config.json')).auths as Record<string, unknown>)[ECR_HOST]);
});
