import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  InputError,
  collectingLogger,
  mapInputs,
  readRunContext,
  type InputSource,
} from '@slipway/action-kit';
import { defaultTags, readInputs } from '../../../../actions/ecr-push/src/inputs.ts';

const readEcrPushInputs = (source: InputSource, env: NodeJS.ProcessEnv) =>
  readInputs(source, readRunContext(env), env);
import { configKeys, sourceCredentials } from '../../../../actions/ecr-push/src/source-credentials.ts';
import { findingsMessage, summaryMarkdown } from '../../../../actions/ecr-push/src/summary.ts';
import { explainDockerPush, parsePushOutput } from '@slipway/registry';

const ws = mkdtempSync(join(tmpdir(), 'slw-push-inputs-'));
mkdirSync(join(ws, 'layout'));
writeFileSync(join(ws, 'layout', 'index.json'), '{}');
writeFileSync(join(ws, 'image.tar'), 'x');
writeFileSync(
  join(ws, 'policy.json'),
  JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        selection: {
          tagStatus: 'untagged',
          countType: 'sinceImagePushed',
          countUnit: 'days',
          countNumber: 7,
        },
        action: { type: 'expire' },
      },
    ],
  }),
);
writeFileSync(join(ws, 'bad-policy.json'), '{"rules": [');

const env = { GITHUB_WORKSPACE: ws, GITHUB_SHA: 'ABCDEF0123456789', AWS_REGION: 'eu-west-1' };
const read = (values: Record<string, string>, extraEnv: Record<string, string> = {}) =>
  readEcrPushInputs(mapInputs({ repository: 'shop/api', source: 'oci:layout', ...values }), {
    ...env,
    ...extraEnv,
  });

function rejects(values: Record<string, string>, input: string, message: RegExp): void {
  assert.throws(
    () => read(values),
    (err) => {
      assert.ok(err instanceof InputError, String(err));
      assert.equal(err.input, input);
      assert.match(err.message, message);
      return true;
    },
  );
}

describe('ecr-push inputs', () => {
  test('defaults: git-<sha7> tag, create the repository, MUTABLE, scan on push, no gate, 4 at a time', () => {
    const inputs = read({});
    assert.deepEqual(inputs.tags, ['git-abcdef0']);
    assert.equal(inputs.createRepository, true);
    assert.equal(inputs.tagMutability, 'MUTABLE');
    assert.equal(inputs.scanOnPush, true);
    assert.equal(inputs.scanSeverityThreshold, 'none');
    assert.equal(inputs.concurrency, 4);
    assert.equal(inputs.region, 'eu-west-1');
    assert.deepEqual(inputs.source, { transport: 'oci', path: join(ws, 'layout') });
  });

  test('adds latest only on the default branch named by the event payload', () => {
    const event = join(ws, 'event.json');
    writeFileSync(event, JSON.stringify({ repository: { default_branch: 'trunk' } }));
    assert.deepEqual(
      defaultTags(readRunContext({ ...env, GITHUB_EVENT_PATH: event, GITHUB_REF: 'refs/heads/trunk' })),
      ['git-abcdef0', 'latest'],
    );
    assert.deepEqual(
      defaultTags(readRunContext({ ...env, GITHUB_EVENT_PATH: event, GITHUB_REF: 'refs/heads/feature' })),
      ['git-abcdef0'],
    );
    assert.deepEqual(defaultTags(readRunContext({ ...env, GITHUB_REF: 'refs/heads/main' })), ['git-abcdef0']);
  });

  test('tags: a list, deduplicated; an invalid one names itself and the grammar', () => {
    assert.deepEqual(read({ tags: 'v1, latest\nv1' }).tags, ['v1', 'latest']);
    rejects({ tags: 'v1, -bad, ok' }, 'tags', /"-bad" is not a valid tag: up to 128 letters/);
    assert.throws(
      () => readEcrPushInputs(mapInputs({ repository: 'a/b', source: 'ecr:x' }), { AWS_REGION: 'us-east-1' }),
      /GITHUB_SHA is not set/,
    );
  });

  test('source: an unknown transport or a missing path is an input error naming source', () => {
    rejects({ source: 'podman:thing' }, 'source', /unknown transport "podman"/);
    rejects({ source: 'oci:nowhere' }, 'source', /does not exist/);
    rejects({ source: 'docker-archive:missing.tar' }, 'source', /does not exist/);
    rejects({ source: '' }, 'source', /required/);
    assert.equal(read({ source: 'docker-archive:image.tar' }).source.transport, 'docker-archive');
  });

  test('scan-severity-threshold takes the listed severities in any case', () => {
    assert.equal(read({ 'scan-severity-threshold': 'high' }).scanSeverityThreshold, 'HIGH');
    rejects(
      { 'scan-severity-threshold': 'SEVERE' },
      'scan-severity-threshold',
      /"SEVERE" is not allowed; use one of none, LOW, MEDIUM, HIGH, CRITICAL/,
    );
  });

  test('concurrency must be a whole number from 1 to 32', () => {
    assert.equal(read({ concurrency: '8' }).concurrency, 8);
    rejects({ concurrency: '2.5' }, 'concurrency', /whole number from 1 to 32/);
    rejects({ concurrency: 'many' }, 'concurrency', /whole number/);
    rejects({ concurrency: '0' }, 'concurrency', /from 1 to 32/);
  });

  test('lifecycle-policy: keep-last=N, inline JSON or a file; bad JSON names the input', () => {
    const keep = JSON.parse(read({ 'lifecycle-policy': 'keep-last=30' }).lifecyclePolicy ?? '') as {
      rules: { selection: { countNumber: number } }[];
    };
    assert.equal(keep.rules[0]?.selection.countNumber, 30);
    assert.ok(read({ 'lifecycle-policy': 'policy.json' }).lifecyclePolicy?.includes('sinceImagePushed'));
    rejects(
      { 'lifecycle-policy': 'bad-policy.json' },
      'lifecycle-policy',
      /bad-policy\.json is not valid JSON/,
    );
    rejects({ 'lifecycle-policy': '{"rules": []}' }, 'lifecycle-policy', /non-empty "rules"/);
    rejects({ 'lifecycle-policy': 'keep-last=lots' }, 'lifecycle-policy', /keep-last needs a whole number/);
    rejects({ 'lifecycle-policy': 'nope.json' }, 'lifecycle-policy', /does not exist/);
    rejects(
      {
        'lifecycle-policy':
          '{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":5},"action":{"type":"delete"}}]}',
      },
      'lifecycle-policy',
      /action\.type must be "expire"/,
    );
  });

  test('repository, registry-url, registry and region are checked before anything runs', () => {
    rejects({ repository: 'Shop' }, 'repository', /not an ECR repository name/);
    assert.equal(
      read({ 'registry-url': 'http://127.0.0.1:5000/' }).registryUrl?.href,
      'http://127.0.0.1:5000/',
    );
    assert.equal(
      read({ 'registry-url': 'localhost.localstack.cloud:4510' }).registryUrl?.href,
      'https://localhost.localstack.cloud:4510/',
    );
    rejects({ 'registry-url': 'http://host/v2/x' }, 'registry-url', /no path or query/);
    rejects({ 'registry-url': 'ftp://host' }, 'registry-url', /not a registry base URL/);
    const cross = read({ registry: '210987654321.dkr.ecr.us-west-2.amazonaws.com' });
    assert.deepEqual(cross.registry, {
      accountId: '210987654321',
      host: '210987654321.dkr.ecr.us-west-2.amazonaws.com',
    });
    assert.equal(cross.region, 'us-west-2', "the host's region wins over AWS_REGION");
    assert.equal(read({ registry: '210987654321', region: 'ap-south-1' }).region, 'ap-south-1');
    rejects({ registry: 'ghcr.io' }, 'registry', /not an AWS account ID/);
    rejects({ 'image-tag-mutability': 'sometimes' }, 'image-tag-mutability', /MUTABLE, IMMUTABLE/);
    rejects({ 'create-repository': 'perhaps' }, 'create-repository', /not a boolean/);
  });
});

describe('source registry credentials', () => {
  test('Docker config auths, credHelpers and Docker Hub keys are looked up the way docker does', async () => {
    const log = collectingLogger();
    const auth = Buffer.from('bot:pat-123').toString('base64');
    assert.deepEqual(
      await sourceCredentials('ghcr.io', log, { config: { auths: { 'https://ghcr.io': { auth } } } }),
      {
        username: 'bot',
        password: 'pat-123',
      },
    );
    assert.deepEqual(
      await sourceCredentials('registry-1.docker.io', log, {
        config: { auths: { 'https://index.docker.io/v1/': { auth } } },
      }),
      { username: 'bot', password: 'pat-123' },
    );
    const asked: string[] = [];
    const helpers = {
      get: async (helper: string, server: string) => {
        asked.push(`${helper} ${server}`);
        return { username: 'AWS', secret: 'from-helper' };
      },
      store: async () => {},
      erase: async () => {},
    };
    assert.deepEqual(
      await sourceCredentials('1.dkr.ecr.us-east-1.amazonaws.com', log, {
        config: { credHelpers: { '1.dkr.ecr.us-east-1.amazonaws.com': 'ecr-login' } },
        helpers,
      }),
      { username: 'AWS', password: 'from-helper' },
    );
    assert.deepEqual(asked, ['ecr-login 1.dkr.ecr.us-east-1.amazonaws.com']);
    assert.equal(await sourceCredentials('quay.io', log, { config: {} }), undefined);
    assert.ok(configKeys('docker.io').includes('https://index.docker.io/v1/'));
  });
});

describe('docker push output and messages', () => {
  test('reads layer statuses and the digest docker push prints', () => {
    const d = `sha256:${'c'.repeat(64)}`;
    const out = parsePushOutput(
      [
        'The push refers to repository [127.0.0.1:5000/shop]',
        '0123456789ab: Preparing',
        '0123456789ab: Pushed',
        'abcdefabcdef: Layer already exists',
        '111111111111: Mounted from base/img',
        `v1: digest: ${d} size: 1234`,
      ].join('\n'),
    );
    assert.equal(out.digest, d);
    assert.deepEqual(
      [...out.layers],
      [
        ['0123456789ab', 'pushed'],
        ['abcdefabcdef', 'exists'],
        ['111111111111', 'mounted'],
      ],
    );
    assert.match(
      explainDockerPush('unauthorized: authentication required', 'h:1', 'h:1/r:t'),
      /wrong or expired/,
    );
    assert.match(
      explainDockerPush('denied: requested access to the resource is denied', 'h', 'h/r:t'),
      /ecr:InitiateLayerUpload/,
    );
    assert.match(
      explainDockerPush(
        'denied: User: arn:aws:sts::1:assumed-role/ci/x is not authorized to perform: ecr:CompleteLayerUpload on resource: r',
        'h',
        'h/r:t',
      ),
      /the role needs the IAM permission ecr:CompleteLayerUpload on the repository/,
    );
  });

  test('the summary and the gate message list the findings', () => {
    const failing = [{ id: 'CVE-1', severity: 'CRITICAL', package: 'openssl 3.0.1', uri: 'https://x/CVE-1' }];
    const md = summaryMarkdown({
      image: 'r/x',
      pushed: {
        digest: 'sha256:d',
        size: 2_000_000,
        pushedBytes: 1_000_000,
        reusedBytes: 1_000_000,
        tags: [{ tag: 'v1', status: 'created' }],
      },
      scan: { status: 'COMPLETE', counts: { CRITICAL: 1, LOW: 2 }, findings: failing },
      threshold: 'HIGH',
      failing,
    });
    assert.match(
      md,
      /\| `v1` \(new\) \| `sha256:d` \| 2\.0 MB \| 1\.0 MB \| 1\.0 MB \| ❌ 1 at or above HIGH \(1 CRITICAL, 2 LOW\) \|/,
    );
    assert.match(md, /\[CVE-1\]\(https:\/\/x\/CVE-1\) \| CRITICAL \| openssl 3\.0\.1/);
    assert.match(
      findingsMessage('r/x@sha256:d', 'HIGH', failing),
      /found 1 vulnerability at or above HIGH .*CRITICAL CVE-1 in openssl 3\.0\.1/,
    );
  });
});
