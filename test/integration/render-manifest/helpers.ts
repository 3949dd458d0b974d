// Shared by the render-manifest integration tests: workspaces from test/fixtures/manifests, runs of
// the built bundle with moto credentials, and an S3 client to look at what landed.
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { allText, awsEnv, runActionStep, testbed, uniqueName, type ActionRun } from '@slipway/testbed';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'manifests');
export const DIGEST = `sha256:${'4d'.repeat(32)}`;
export const IMAGE = `123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:git-8f3c2a1@${DIGEST}`;
export const PINNED = `123456789012.dkr.ecr.us-east-1.amazonaws.com/shop@${DIGEST}`;

/** A workspace holding the `shop` fixture, plus or minus files. */
export function shopWorkspace(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'slw-rm-ws-'));
  cpSync(join(FIXTURES, 'shop'), dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** moto's credentials with a secret of this test's own, so the secret grep means something. */
export function credentials(moto: { url: string } = testbed().moto): Record<string, string> {
  return { ...awsEnv(moto), AWS_SECRET_ACCESS_KEY: `slw-secret-${randomBytes(12).toString('hex')}` };
}

/** An admin S3 client on a moto (test-side inspection only). */
export function adminS3(
  moto: { url: string } = testbed().moto,
  keys = { accessKeyId: 'testing', secretAccessKey: 'testing' },
): S3Client {
  return new S3Client({ endpoint: moto.url, region: 'us-east-1', forcePathStyle: true, credentials: keys });
}

/** A new bucket, versioned unless told otherwise. */
export async function createBucket(s3: S3Client, versioned = true): Promise<string> {
  const bucket = uniqueName('releases');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  if (versioned) {
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
    );
  }
  return bucket;
}

/** Runs render-manifest on the shop fixture with the usual inputs, overridable. */
export async function renderManifest(
  inputs: Record<string, string>,
  opts: { workspace?: string; env?: Record<string, string | undefined> } = {},
): Promise<ActionRun & { secret: string }> {
  const env = { ...credentials(), ...opts.env };
  const run = await runActionStep('render-manifest', {
    workspace: opts.workspace ?? shopWorkspace(),
    inputs: {
      templates: 'deploy/*.j2',
      'values-files': 'deploy/values.yaml',
      environment: 'staging',
      image: IMAGE,
      region: 'us-east-1',
      ...inputs,
    },
    env,
  });
  const secret = env.AWS_SECRET_ACCESS_KEY ?? '';
  if (secret && allText(run).includes(secret)) throw new Error('the AWS secret key was printed');
  return Object.assign(run, { secret });
}

export async function getText(s3: S3Client, bucket: string, key: string): Promise<string> {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await res.Body?.transformToString('utf8')) ?? '';
}

export async function getBytes(s3: S3Client, bucket: string, key: string): Promise<Uint8Array> {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await res.Body?.transformToByteArray()) ?? new Uint8Array();
}

export function head(s3: S3Client, bucket: string, key: string) {
  return s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
}

/** Every stored version of every key in the bucket: `key → [versionId, …]`. */
export async function allVersions(s3: S3Client, bucket: string): Promise<Record<string, string[]>> {
  const res = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
  const out: Record<string, string[]> = {};
  for (const v of res.Versions ?? []) (out[v.Key ?? ''] ??= []).push(v.VersionId ?? '');
  return out;
}

/** The error annotations of a run. */
export const errorsOf = (run: ActionRun) => run.annotations.filter((a) => a.level === 'error');

/** What an {@link s3Proxy} handler decides for a request: pass it on to moto, or answer itself. */
export type ProxyDecision =
  'pass' | { status: number; code: string; message: string } | (() => Promise<'pass'>);

/**
 * A pass-through HTTP proxy in front of moto (point AWS_ENDPOINT_URL at `url`): the handler sees
 * every request and may answer it with an S3 error, or run something before passing it on.
 */
export async function s3Proxy(
  handler: (req: IncomingMessage) => ProxyDecision,
  moto: { url: string } = testbed().moto,
): Promise<{ url: string; close: () => void }> {
  const target = new URL(moto.url);
  const server = createServer((req, res) => {
    const forward = () => {
      const upstream = request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    };
    const decision = handler(req);
    if (decision === 'pass') return forward();
    if (typeof decision === 'function') {
      req.pause();
      decision().then(forward, () => res.destroy());
      return;
    }
    req.resume();
    req.on('end', () => {
      res.writeHead(decision.status, { 'content-type': 'application/xml' });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${decision.code}</Code><Message>${decision.message}</Message><RequestId>slw</RequestId></Error>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}
