// ECR API calls against a small double of the ECR JSON 1.1 protocol (POST /, X-Amz-Target,
// `{"__type": …}` errors), answering with the error shapes AWS sends. It stands in for AWS where
// moto is more lenient (moto lets an IMMUTABLE tag move).
import assert from 'node:assert/strict';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { ActionError, collectingLogger, silentLogger } from '@slipway/action-kit';
import {
  type EcrApi,
  ensureRepository,
  lookupRepository,
  isTagImmutable,
  keepLastPolicy,
  openEcr,
  retagImage,
  validateLifecyclePolicy,
} from '@slipway/aws/ecr-repository.ts';
import { findingsAtOrAbove, formatCounts, waitForScanFindings } from '@slipway/aws/ecr-scan.ts';

type Handler = (input: Record<string, unknown>) => { status?: number; body: unknown } | unknown;

class FakeEcr {
  readonly calls: { op: string; input: Record<string, unknown> }[] = [];
  handlers: Record<string, Handler | Handler[]> = {};
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const op =
          String(req.headers['x-amz-target'] ?? '')
            .split('.')
            .pop() ?? '';
        const input = JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>;
        this.calls.push({ op, input });
        let handler = this.handlers[op];
        if (Array.isArray(handler)) handler = handler.length > 1 ? handler.shift() : handler[0];
        const out = handler
          ? (handler as Handler)(input)
          : { status: 400, body: { __type: 'UnknownOperationException', message: op } };
        const { status, body } =
          out && typeof out === 'object' && 'body' in out
            ? (out as { status?: number; body: unknown })
            : { status: 200, body: out };
        res.writeHead(status ?? 200, {
          'Content-Type': 'application/x-amz-json-1.1',
          'x-amzn-RequestId': 'req-1',
        });
        res.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }

  ops(): string[] {
    return this.calls.map((c) => c.op);
  }
}

const awsError = (type: string, message: string, status = 400) => ({
  status,
  body: { __type: type, message },
});
const DENIED = (action: string) =>
  awsError(
    'AccessDeniedException',
    `User: arn:aws:iam::123456789012:user/ci is not authorized to perform: ${action} on resource: arn:aws:ecr:us-east-1:123456789012:repository/shop because no identity-based policy allows the ${action} action`,
  );
const repo = (extra: Record<string, unknown> = {}) => ({
  repositoryName: 'shop',
  repositoryUri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/shop',
  registryId: '123456789012',
  imageTagMutability: 'MUTABLE',
  imageScanningConfiguration: { scanOnPush: false },
  ...extra,
});
const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const MANIFEST = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
  config: {
    mediaType: 'application/vnd.docker.container.image.v1+json',
    size: 100,
    digest: `sha256:${'c'.repeat(64)}`,
  },
  layers: [
    {
      mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
      size: 1000,
      digest: `sha256:${'d'.repeat(64)}`,
    },
  ],
});
/** BatchGetImage as AWS answers it for a repository whose tags point at digests. */
const batchGet = (tags: Record<string, string>) => (input: Record<string, unknown>) => {
  const ids = input.imageIds as { imageTag?: string; imageDigest?: string }[];
  const digestOf = (id: { imageTag?: string; imageDigest?: string }) =>
    id.imageDigest ?? (id.imageTag ? tags[id.imageTag] : undefined);
  return {
    images: ids.filter((id) => digestOf(id)).map((id) => image(digestOf(id) ?? '', id.imageTag)),
    failures: ids
      .filter((id) => !digestOf(id))
      .map((id) => ({
        imageId: id,
        failureCode: 'ImageNotFound',
        failureReason: 'Requested image not found',
      })),
  };
};
const image = (digest: string, tag?: string) => ({
  imageId: { imageDigest: digest, ...(tag ? { imageTag: tag } : {}) },
  imageManifest: MANIFEST,
  imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
});

const fake = new FakeEcr();
let api: EcrApi;
const saved = { ...process.env };
const profileDir = mkdtempSync(join(tmpdir(), 'slw-ecr-profile-'));
writeFileSync(
  join(profileDir, 'credentials'),
  '[unit]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = secret\n',
);
writeFileSync(join(profileDir, 'config'), '');
before(() => fake.start());
after(async () => {
  await fake.stop();
  process.env = saved;
  rmSync(profileDir, { recursive: true, force: true });
});
beforeEach(() => {
  fake.calls.length = 0;
  fake.handlers = {};
});

/** Environment keys → calls signed here; a profile → calls through the AWS SDK. Both must behave alike. */
const CREDENTIALS = {
  signed: { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' },
  sdk: {
    AWS_PROFILE: 'unit',
    AWS_SHARED_CREDENTIALS_FILE: join(profileDir, 'credentials'),
    AWS_CONFIG_FILE: join(profileDir, 'config'),
  },
} as const;

for (const via of ['signed', 'sdk'] as const) {
  describe(`ECR API calls ${via === 'signed' ? 'signed directly (environment keys)' : 'through the AWS SDK (a profile)'}`, () => {
    before(async () => {
      const {
        AWS_ENDPOINT_URL: _url,
        AWS_PROFILE: _profile,
        AWS_ACCESS_KEY_ID: _id,
        AWS_SECRET_ACCESS_KEY: _secret,
        AWS_SESSION_TOKEN: _token,
        ...rest
      } = saved;
      process.env = { ...rest };
      Object.assign(
        process.env,
        { AWS_ENDPOINT_URL_ECR: fake.url, AWS_EC2_METADATA_DISABLED: 'true' },
        CREDENTIALS[via],
      );
      api = await openEcr('us-east-1');
      assert.equal(api.via, via);
    });
    after(() => api.close());

    describe('ensureRepository', () => {
      test('an existing repository is described, not created, with its mutability and exclusion filters', async () => {
        fake.handlers.DescribeRepositories = () => ({
          repositories: [
            repo({
              imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
              imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'latest' }],
            }),
          ],
        });
        const r = await ensureRepository(api, {
          name: 'shop',
          create: true,
          tagMutability: 'MUTABLE',
          scanOnPush: true,
          log: silentLogger,
        });
        assert.equal(r.created, false);
        assert.equal(r.uri, '123456789012.dkr.ecr.us-east-1.amazonaws.com/shop');
        assert.equal(isTagImmutable(r, 'v1'), true);
        assert.equal(isTagImmutable(r, 'latest'), false);
        assert.deepEqual(fake.ops(), ['DescribeRepositories']);
      });

      test('a missing repository is created with the mutability and scan-on-push asked for', async () => {
        fake.handlers.DescribeRepositories = () =>
          awsError(
            'RepositoryNotFoundException',
            "The repository with name 'shop' does not exist in the registry with id '123456789012'",
          );
        fake.handlers.CreateRepository = (input) => ({
          repository: repo({ imageTagMutability: input.imageTagMutability }),
        });
        const log = collectingLogger();
        const r = await ensureRepository(api, {
          name: 'shop',
          create: true,
          tagMutability: 'IMMUTABLE',
          scanOnPush: true,
          log,
        });
        assert.equal(r.created, true);
        assert.equal(r.tagMutability, 'IMMUTABLE');
        const create = fake.calls.find((c) => c.op === 'CreateRepository')?.input;
        assert.deepEqual(create, {
          repositoryName: 'shop',
          imageTagMutability: 'IMMUTABLE',
          imageScanningConfiguration: { scanOnPush: true },
        });
        assert.ok(log.lines.some((l) => /created the ECR repository shop/.test(l)));
      });

      test('a missing repository with create-repository false is a clear error', async () => {
        fake.handlers.DescribeRepositories = () => awsError('RepositoryNotFoundException', 'not found');
        await assert.rejects(
          ensureRepository(api, {
            name: 'shop',
            create: false,
            tagMutability: 'MUTABLE',
            scanOnPush: false,
            log: silentLogger,
          }),
          (err) =>
            err instanceof ActionError &&
            /does not exist: create it, or set create-repository: true/.test(err.message),
        );
        assert.deepEqual(fake.ops(), ['DescribeRepositories']);
      });

      test('a repository created by a parallel job in between is used', async () => {
        fake.handlers.DescribeRepositories = [
          () => awsError('RepositoryNotFoundException', 'not found'),
          () => ({ repositories: [repo()] }),
        ];
        fake.handlers.CreateRepository = () =>
          awsError('RepositoryAlreadyExistsException', "The repository with name 'shop' already exists");
        const r = await ensureRepository(api, {
          name: 'shop',
          create: true,
          tagMutability: 'MUTABLE',
          scanOnPush: true,
          log: silentLogger,
        });
        assert.equal(r.name, 'shop');
        assert.deepEqual(fake.ops(), ['DescribeRepositories', 'CreateRepository', 'DescribeRepositories']);
      });

      test('AccessDenied names the IAM action of the call that was refused', async () => {
        fake.handlers.DescribeRepositories = () => awsError('RepositoryNotFoundException', 'not found');
        fake.handlers.CreateRepository = () => DENIED('ecr:CreateRepository');
        await assert.rejects(
          ensureRepository(api, {
            name: 'shop',
            create: true,
            tagMutability: 'MUTABLE',
            scanOnPush: true,
            log: silentLogger,
          }),
          (err) =>
            err instanceof ActionError &&
            /AWS denied ecr:CreateRepository on shop .*needs the IAM permission ecr:CreateRepository/.test(
              err.message,
            ),
        );
        fake.handlers.DescribeRepositories = () => DENIED('ecr:DescribeRepositories');
        await assert.rejects(
          ensureRepository(api, {
            name: 'shop',
            create: true,
            tagMutability: 'MUTABLE',
            scanOnPush: true,
            log: silentLogger,
          }),
          /needs the IAM permission ecr:DescribeRepositories/,
        );
      });

      test('a registry of another account is named in every call', async () => {
        const cross = await openEcr('us-east-1', '210987654321');
        try {
          fake.handlers.DescribeRepositories = () => ({
            repositories: [repo({ registryId: '210987654321' })],
          });
          fake.handlers.BatchGetImage = batchGet({ 'git-1': D1 });
          fake.handlers.PutImage = () => ({});
          await ensureRepository(cross, {
            name: 'shop',
            create: true,
            tagMutability: 'MUTABLE',
            scanOnPush: true,
            log: silentLogger,
          });
          await retagImage(cross, {
            repository: 'shop',
            source: { tag: 'git-1' },
            tags: ['qa'],
            isTagImmutable: () => false,
            log: silentLogger,
          });
          assert.deepEqual(
            fake.calls.map((c) => [c.op, c.input.registryId]),
            [
              ['DescribeRepositories', '210987654321'],
              ['BatchGetImage', '210987654321'],
              ['BatchGetImage', '210987654321'],
              ['PutImage', '210987654321'],
            ],
          );
        } finally {
          cross.close();
        }
      });

      test('lookupRepository only describes; CreateRepository and PutLifecyclePolicy wait for complete()', async () => {
        fake.handlers.DescribeRepositories = () => awsError('RepositoryNotFoundException', 'not found');
        fake.handlers.CreateRepository = () => ({ repository: repo() });
        fake.handlers.PutLifecyclePolicy = () => ({});
        const lookup = await lookupRepository(api, {
          name: 'shop',
          create: true,
          tagMutability: 'MUTABLE',
          scanOnPush: true,
          lifecyclePolicy: keepLastPolicy(5),
          log: silentLogger,
        });
        assert.equal(lookup.existing, undefined);
        assert.deepEqual(fake.ops(), ['DescribeRepositories'], 'nothing changed before complete()');
        const r = await lookup.complete();
        assert.equal(r.created, true);
        assert.deepEqual(fake.ops(), ['DescribeRepositories', 'CreateRepository', 'PutLifecyclePolicy']);
      });

      test('puts the lifecycle policy given', async () => {
        fake.handlers.DescribeRepositories = () => ({ repositories: [repo()] });
        fake.handlers.PutLifecyclePolicy = (input) => ({
          repositoryName: 'shop',
          lifecyclePolicyText: input.lifecyclePolicyText,
        });
        await ensureRepository(api, {
          name: 'shop',
          create: true,
          tagMutability: 'MUTABLE',
          scanOnPush: true,
          lifecyclePolicy: keepLastPolicy(10),
          log: silentLogger,
        });
        const put = fake.calls.find((c) => c.op === 'PutLifecyclePolicy')?.input;
        assert.equal(put?.repositoryName, 'shop');
        const policy = JSON.parse(String(put?.lifecyclePolicyText)) as {
          rules: { selection: Record<string, unknown>; action: unknown }[];
        };
        assert.deepEqual(policy.rules[0]?.selection, {
          tagStatus: 'any',
          countType: 'imageCountMoreThan',
          countNumber: 10,
        });
        assert.deepEqual(policy.rules[0]?.action, { type: 'expire' });
      });
    });

    describe('lifecycle policies and tag mutability', () => {
      test('validateLifecyclePolicy accepts what ECR accepts and says what is wrong otherwise', () => {
        assert.equal(validateLifecyclePolicy(keepLastPolicy(3)), keepLastPolicy(3));
        assert.throws(() => validateLifecyclePolicy('nope'), /not valid JSON/);
        assert.throws(
          () => validateLifecyclePolicy('{"rules":[{"rulePriority":1,"rulePriority2":2}]}'),
          /rules\[0\] needs a "selection"/,
        );
        const rule = {
          rulePriority: 1,
          selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 },
          action: { type: 'expire' },
        };
        assert.throws(
          () => validateLifecyclePolicy(JSON.stringify({ rules: [rule, rule] })),
          /repeats rulePriority 1/,
        );
        assert.throws(
          () =>
            validateLifecyclePolicy(
              JSON.stringify({ rules: [{ ...rule, selection: { ...rule.selection, tagStatus: 'some' } }] }),
            ),
          /tagStatus must be/,
        );
      });

      test('isTagImmutable follows the four ECR settings and wildcard exclusions', () => {
        const r = (m: string, f: string[] = []) => ({ tagMutability: m as 'MUTABLE', exclusionFilters: f });
        assert.equal(isTagImmutable(r('MUTABLE'), 'v1'), false);
        assert.equal(isTagImmutable(r('IMMUTABLE'), 'latest'), true);
        assert.equal(isTagImmutable(r('MUTABLE_WITH_EXCLUSION', ['release-*']), 'release-1'), true);
        assert.equal(isTagImmutable(r('MUTABLE_WITH_EXCLUSION', ['release-*']), 'dev-1'), false);
        assert.equal(isTagImmutable(r('IMMUTABLE_WITH_EXCLUSION', ['dev-*', 'latest']), 'dev-7'), false);
        assert.equal(isTagImmutable(r('IMMUTABLE_WITH_EXCLUSION', ['dev-*']), 'v1.0'), true);
      });
    });

    describe('retagImage', () => {
      test('puts the source manifest under each new tag and leaves tags already on it alone', async () => {
        fake.handlers.BatchGetImage = batchGet({ 'git-1': D1, same: D1 });
        fake.handlers.PutImage = (input) => ({
          image: { imageId: { imageDigest: input.imageDigest, imageTag: input.imageTag } },
        });
        const result = await retagImage(api, {
          repository: 'shop',
          source: { tag: 'git-1' },
          tags: ['staging', 'same'],
          isTagImmutable: () => false,
          log: silentLogger,
        });
        assert.equal(result.digest, D1);
        assert.equal(result.size, 1100);
        assert.deepEqual(
          result.tags.map((t) => [t.tag, t.status]),
          [
            ['staging', 'created'],
            ['same', 'unchanged'],
          ],
        );
        const puts = fake.calls.filter((c) => c.op === 'PutImage').map((c) => c.input);
        assert.equal(puts.length, 1);
        assert.deepEqual(puts[0], {
          repositoryName: 'shop',
          imageManifest: MANIFEST,
          imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
          imageTag: 'staging',
          imageDigest: D1,
        });
        assert.ok(
          (fake.calls[0]?.input.acceptedMediaTypes as string[]).includes(
            'application/vnd.oci.image.index.v1+json',
          ),
        );
      });

      test('an immutable tag on another image stops before any PutImage', async () => {
        fake.handlers.BatchGetImage = batchGet({ 'git-1': D1, prod: D2 });
        await assert.rejects(
          retagImage(api, {
            repository: 'shop',
            source: { tag: 'git-1' },
            tags: ['qa', 'prod'],
            isTagImmutable: () => true,
            log: silentLogger,
          }),
          (err) =>
            err instanceof ActionError &&
            new RegExp(`shop:prod already names ${D2}.*immutable.*Nothing was changed`).test(err.message),
        );
        assert.ok(!fake.ops().includes('PutImage'));
      });

      test("AWS's ImageTagAlreadyExistsException (an immutable tag) becomes a clear error", async () => {
        fake.handlers.BatchGetImage = batchGet({ 'git-1': D1 });
        fake.handlers.PutImage = () =>
          awsError(
            'ImageTagAlreadyExistsException',
            "The image tag 'prod' already exists in the 'shop' repository and cannot be overwritten because the repository is immutable.",
          );
        await assert.rejects(
          retagImage(api, {
            repository: 'shop',
            source: { tag: 'git-1' },
            tags: ['prod'],
            isTagImmutable: () => false,
            log: silentLogger,
          }),
          /shop:prod already names another image and the repository's tags are immutable/,
        );
      });

      test('ImageAlreadyExistsException (the tag got there meanwhile) counts as done', async () => {
        fake.handlers.BatchGetImage = batchGet({});
        fake.handlers.PutImage = () =>
          awsError(
            'ImageAlreadyExistsException',
            `Image with digest '${D1}' and tag 'qa' already exists in the repository with name 'shop'`,
          );
        const r = await retagImage(api, {
          repository: 'shop',
          source: { digest: D1 },
          tags: ['qa'],
          isTagImmutable: () => false,
          log: silentLogger,
        });
        assert.equal(r.tags[0]?.status, 'unchanged');
      });

      test('a missing source image and a refused PutImage are explained', async () => {
        fake.handlers.BatchGetImage = batchGet({});
        await assert.rejects(
          retagImage(api, {
            repository: 'shop',
            source: { tag: 'nope' },
            tags: ['x'],
            isTagImmutable: () => false,
            log: silentLogger,
          }),
          /the repository shop has no image tagged nope/,
        );
        fake.handlers.BatchGetImage = batchGet({ 'git-1': D1 });
        fake.handlers.PutImage = () => DENIED('ecr:PutImage');
        await assert.rejects(
          retagImage(api, {
            repository: 'shop',
            source: { tag: 'git-1' },
            tags: ['x'],
            isTagImmutable: () => false,
            log: silentLogger,
          }),
          /AWS denied ecr:PutImage on shop:x .*needs the IAM permission ecr:PutImage/,
        );
      });
    });

    describe('scan findings', () => {
      const findings = (names: [string, string][], nextToken?: string) => ({
        imageScanStatus: { status: 'COMPLETE', description: 'The scan was completed successfully.' },
        imageScanFindings: {
          findingSeverityCounts: { HIGH: 1, MEDIUM: 1, LOW: 1 },
          findings: names.map(([name, severity]) => ({
            name,
            severity,
            uri: `https://cve/${name}`,
            attributes: [
              { key: 'package_name', value: 'openssl' },
              { key: 'package_version', value: '3.0.1' },
            ],
          })),
        },
        ...(nextToken ? { nextToken } : {}),
      });

      test('starts a scan that was never run, waits for it, and reads every page of findings', async () => {
        fake.handlers.DescribeImageScanFindings = [
          () => awsError('ScanNotFoundException', 'Image scan does not exist for the image'),
          () => ({ imageScanStatus: { status: 'IN_PROGRESS' } }),
          () =>
            findings(
              [
                ['CVE-A', 'HIGH'],
                ['CVE-B', 'LOW'],
              ],
              'page-2',
            ),
          () => findings([['CVE-C', 'MEDIUM']]),
        ];
        fake.handlers.StartImageScan = () => ({ imageScanStatus: { status: 'IN_PROGRESS' } });
        const report = await waitForScanFindings(api, {
          repository: 'shop',
          digest: D1,
          log: silentLogger,
          pollMs: 10,
        });
        assert.deepEqual(fake.ops(), [
          'DescribeImageScanFindings',
          'StartImageScan',
          'DescribeImageScanFindings',
          'DescribeImageScanFindings',
          'DescribeImageScanFindings',
        ]);
        assert.equal(fake.calls[4]?.input.nextToken, 'page-2');
        assert.deepEqual(
          report.findings.map((f) => f.id),
          ['CVE-A', 'CVE-B', 'CVE-C'],
        );
        assert.equal(report.findings[0]?.package, 'openssl 3.0.1');
        assert.deepEqual(
          findingsAtOrAbove(report, 'MEDIUM').map((f) => f.id),
          ['CVE-A', 'CVE-C'],
        );
        assert.deepEqual(findingsAtOrAbove(report, 'CRITICAL'), []);
        assert.deepEqual(findingsAtOrAbove(report, 'none'), []);
        assert.equal(formatCounts(report.counts), '1 HIGH, 1 MEDIUM, 1 LOW');
      });

      test('fails at once with the reason when ECR refuses to start the scan (LimitExceededException)', async () => {
        fake.handlers.DescribeImageScanFindings = () =>
          awsError('ScanNotFoundException', 'Image scan does not exist for the image');
        fake.handlers.StartImageScan = () =>
          awsError(
            'LimitExceededException',
            'The scan quota per image has been exceeded. Wait and try again.',
          );
        await assert.rejects(
          waitForScanFindings(api, { repository: 'shop', digest: D1, log: silentLogger, pollMs: 60_000 }),
          new RegExp(
            `^ActionError: ECR refused to start a scan of shop@${D1} \\(LimitExceededException: The scan quota per image has been exceeded\\. Wait and try again\\.\\), so scan-severity-threshold cannot be checked`,
          ),
        );
        // One look after the refusal (a scan-on-push scan may have registered), then no polling. (The
        // SDK itself retries LimitExceededException as throttling; the signed path does not.)
        const ops = fake.ops();
        assert.deepEqual(
          ops.filter((op) => op === 'DescribeImageScanFindings'),
          ['DescribeImageScanFindings', 'DescribeImageScanFindings'],
        );
        assert.equal(ops.at(-1), 'DescribeImageScanFindings');
      });

      test('waits for a scan that registered after StartImageScan was refused', async () => {
        fake.handlers.DescribeImageScanFindings = [
          () => awsError('ScanNotFoundException', 'Image scan does not exist for the image'),
          () => findings([['CVE-A', 'HIGH']]),
        ];
        fake.handlers.StartImageScan = () => awsError('LimitExceededException', 'quota');
        const report = await waitForScanFindings(api, { repository: 'shop', digest: D1, log: silentLogger });
        assert.deepEqual(
          report.findings.map((f) => f.id),
          ['CVE-A'],
        );
      });

      test('reads enhanced (Inspector) findings', async () => {
        fake.handlers.DescribeImageScanFindings = () => ({
          imageScanStatus: { status: 'ACTIVE' },
          imageScanFindings: {
            findingSeverityCounts: { CRITICAL: 1 },
            enhancedFindings: [
              {
                severity: 'CRITICAL',
                title: 'CVE-2024-1 - glibc',
                packageVulnerabilityDetails: {
                  vulnerabilityId: 'CVE-2024-1',
                  sourceUrl: 'https://nvd/CVE-2024-1',
                  vulnerablePackages: [{ name: 'glibc', version: '2.36' }],
                },
              },
            ],
          },
        });
        const report = await waitForScanFindings(api, { repository: 'shop', digest: D1, log: silentLogger });
        assert.deepEqual(findingsAtOrAbove(report, 'HIGH'), [
          { id: 'CVE-2024-1', severity: 'CRITICAL', package: 'glibc 2.36', uri: 'https://nvd/CVE-2024-1' },
        ]);
      });

      test('a scan that cannot give findings, or never finishes, fails the gate with the reason', async () => {
        fake.handlers.DescribeImageScanFindings = () => ({
          imageScanStatus: {
            status: 'UNSUPPORTED_IMAGE',
            description: 'UnsupportedImageError: The operating system is not supported',
          },
        });
        await assert.rejects(
          waitForScanFindings(api, { repository: 'shop', digest: D1, log: silentLogger }),
          /ended UNSUPPORTED_IMAGE \(UnsupportedImageError: The operating system is not supported\), so scan-severity-threshold cannot be checked/,
        );
        fake.handlers.DescribeImageScanFindings = () => ({ imageScanStatus: { status: 'IN_PROGRESS' } });
        await assert.rejects(
          waitForScanFindings(api, {
            repository: 'shop',
            digest: D1,
            log: silentLogger,
            timeoutMs: 50,
            pollMs: 10,
          }),
          /did not finish within 0 minutes \(last status IN_PROGRESS\)/,
        );
        fake.handlers.DescribeImageScanFindings = () => DENIED('ecr:DescribeImageScanFindings');
        await assert.rejects(
          waitForScanFindings(api, { repository: 'shop', digest: D1, log: silentLogger }),
          /needs the IAM permission ecr:DescribeImageScanFindings/,
        );
      });

      test('a refusal on a later page of findings is explained like one on the first', async () => {
        fake.handlers.DescribeImageScanFindings = [
          () => findings([['CVE-A', 'HIGH']], 'page-2'),
          () => DENIED('ecr:DescribeImageScanFindings'),
        ];
        await assert.rejects(
          waitForScanFindings(api, { repository: 'shop', digest: D1, log: silentLogger }),
          (err: Error) =>
            err instanceof ActionError &&
            /^AWS denied ecr:DescribeImageScanFindings on shop@sha256:\w+ .*needs the IAM permission ecr:DescribeImageScanFindings/.test(
              err.message,
            ),
        );
      });
    });
  });
}
