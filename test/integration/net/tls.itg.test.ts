// A private certificate authority, as behind a corporate TLS setup: moto, the registry and the
// Slack double serve HTTPS with certificates the test CA signed. With NODE_EXTRA_CA_CERTS naming
// that CA every action works; without it each fails with one message that names the host, says
// the certificate is not trusted and names NODE_EXTRA_CA_CERTS. Nothing turns verification off.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateBucketCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import {
  allText,
  createTestCertificates,
  currentLogDir,
  runActionStep,
  startMoto,
  startRegistry,
  startSlackDouble,
  testbed,
  uniqueName,
  writeOciLayout,
  type ActionRun,
  type MotoServer,
  type RegistryServer,
  type ServerTls,
  type SlackDoubleServer,
} from '@slipway/testbed';
import { credentials, shopWorkspace } from '../render-manifest/helpers.ts';

const TOKEN = `xoxb-tls-${randomBytes(8).toString('hex')}`;
let stateDir: string;
let tls: ServerTls;
let moto: MotoServer;
let registry: RegistryServer;
let slack: SlackDoubleServer;
let s3: S3Client;
let bucket: string;

const hostOf = (url: string) => new URL(url).host;

/** The environment of a step that trusts the test CA, or (trusted: false) one that does not. */
function tlsEnv(trusted: boolean): Record<string, string | undefined> {
  return {
    ...credentials(moto),
    SLACK_API_URL: `${slack.url}api/`,
    NODE_EXTRA_CA_CERTS: trusted ? tls.caFile : undefined,
    // The proxy tests' variables must not leak in from the test process.
    HTTPS_PROXY: undefined,
    HTTP_PROXY: undefined,
    https_proxy: undefined,
    http_proxy: undefined,
  };
}

async function imageWorkspace(): Promise<string> {
  const workspace = shopWorkspace();
  await writeOciLayout(join(workspace, 'image'), { layers: 1, layerSize: 4_000, seed: uniqueName('tls') });
  return workspace;
}

type Run = (trusted: boolean) => Promise<ActionRun>;

/** Every action, run against the TLS servers. */
const ACTIONS: Record<string, { run: Run; host: () => string }> = {
  'ecr-login': {
    host: () => hostOf(moto.url),
    run: (trusted) =>
      runActionStep('ecr-login', {
        inputs: { 'registry-url': registry.url },
        env: tlsEnv(trusted),
      }),
  },
  'ecr-push': {
    host: () => hostOf(moto.url),
    run: async (trusted) =>
      runActionStep('ecr-push', {
        workspace: await imageWorkspace(),
        inputs: { 'registry-url': registry.url, repository: uniqueName('tls-push'), source: 'oci:image' },
        env: tlsEnv(trusted),
      }),
  },
  'render-manifest': {
    host: () => hostOf(moto.url),
    run: (trusted) =>
      runActionStep('render-manifest', {
        workspace: shopWorkspace(),
        inputs: {
          templates: 'deploy/*.yaml.j2',
          'values-files': 'deploy/values.yaml',
          environment: 'staging',
          image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/shop@sha256:${'4d'.repeat(32)}`,
          region: 'us-east-1',
          bucket,
        },
        env: tlsEnv(trusted),
      }),
  },
  'slack-notify': {
    host: () => hostOf(slack.url),
    run: (trusted) =>
      runActionStep('slack-notify', {
        inputs: { token: TOKEN, channel: 'C0DEPLOYS', status: 'success', retries: '0' },
        env: tlsEnv(trusted),
      }),
  },
  slipway: {
    host: () => hostOf(moto.url),
    run: async (trusted) =>
      runActionStep('slipway', {
        workspace: await imageWorkspace(),
        inputs: {
          'registry-url': registry.url,
          repository: uniqueName('tls-one-step'),
          source: 'oci:image',
          templates: 'deploy/*.yaml.j2',
          'values-files': 'deploy/values.yaml',
          environment: 'staging',
          bucket,
          token: TOKEN,
          channel: 'C0DEPLOYS',
          status: 'success',
          // No CodePipeline follows these releases: publishing is what is under test.
          'wait-for-release': 'false',
        },
        env: tlsEnv(trusted),
      }),
  },
};

describe('private certificate authorities', () => {
  before(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'slw-tls-'));
    tls = createTestCertificates(join(stateDir, 'ca'));
    const logDir = currentLogDir();
    [moto, registry, slack] = await Promise.all([
      startMoto({ logDir, tls }),
      // moto's ECR token password is the same for every moto: the default bed's registry uses it too.
      startRegistry({ stateDir, logDir, password: testbed().registry.password, tls }),
      startSlackDouble({ tls }),
    ]);
    s3 = new S3Client({
      endpoint: moto.url,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: readFileSync(tls.caFile) }) }),
    });
    bucket = uniqueName('tls-releases');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
    );
  });
  after(async () => {
    s3.destroy();
    await Promise.all([moto.stop(), registry.stop(), slack.stop()]);
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('the servers really serve TLS: an https client that does not trust the CA is refused', async () => {
    for (const url of [`${moto.url}/moto-api/`, `${registry.url}/v2/`, `${slack.url}api/auth.test`]) {
      await assert.rejects(fetch(url), (err: Error) => {
        const code = (err.cause as { code?: string } | undefined)?.code ?? '';
        return /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code);
      });
    }
  });

  for (const [name, action] of Object.entries(ACTIONS)) {
    it(`${name} works against TLS endpoints with NODE_EXTRA_CA_CERTS naming the CA`, async () => {
      const slackBefore = slack.double.listMessages().length;
      const run = await action.run(true);
      assert.equal(run.exitCode, 0, run.output);
      assert.deepEqual(
        run.annotations.filter((a) => a.level !== 'notice'),
        [],
        run.output,
      );
      if (name === 'slack-notify' || name === 'slipway') {
        assert.equal(slack.double.listMessages().length, slackBefore + 1, 'the message was posted');
      }
      if (name === 'ecr-push' || name === 'slipway') {
        assert.match(run.outputs.digest ?? '', /^sha256:[0-9a-f]{64}$/, run.output);
      }
      if (name === 'render-manifest' || name === 'slipway') {
        const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
        assert.ok((listed.KeyCount ?? 0) > 0, 'manifests landed in S3');
      }
    });

    it(`${name} without NODE_EXTRA_CA_CERTS fails with one message naming the host, the untrusted certificate and NODE_EXTRA_CA_CERTS`, async () => {
      const slackBefore = slack.double.listMessages().length;
      const run = await action.run(false);
      const host = action.host().replace(/[.]/g, '\\.');
      const expected = new RegExp(`${host}.*not trusted.*NODE_EXTRA_CA_CERTS`);
      if (name === 'slack-notify') {
        // slack-notify never fails a job over a notification: the same message is its warning.
        assert.equal(run.exitCode, 0, run.output);
        const warnings = run.annotations.filter((a) => a.level === 'warning');
        assert.equal(warnings.length, 1, run.output);
        assert.match(warnings[0]?.message ?? '', expected);
      } else {
        assert.equal(run.exitCode, 1, run.output);
        const errors = run.annotations.filter((a) => a.level === 'error');
        assert.equal(errors.length, 1, run.output);
        assert.match(errors[0]?.message ?? '', expected);
      }
      assert.equal(slack.double.listMessages().length, slackBefore, 'nothing was posted');
      assert.doesNotMatch(allText(run), /NODE_TLS_REJECT_UNAUTHORIZED/);
    });
  }

  it('a registry behind an untrusted certificate is named as such when the ECR API is trusted', async () => {
    const run = await runActionStep('ecr-push', {
      workspace: await imageWorkspace(),
      inputs: { 'registry-url': registry.url, repository: uniqueName('tls-registry'), source: 'oci:image' },
      // The default test bed's moto speaks plain HTTP: only the registry's certificate is in question.
      env: { ...tlsEnv(false), ...credentials() },
    });
    assert.equal(run.exitCode, 1, run.output);
    const errors = run.annotations.filter((a) => a.level === 'error');
    assert.equal(errors.length, 1, run.output);
    assert.match(
      errors[0]?.message ?? '',
      new RegExp(`${registry.host.replace(/[.]/g, '\\.')}.*not trusted.*NODE_EXTRA_CA_CERTS`),
    );
    assert.equal(run.outputs.digest, undefined);
  });
});
