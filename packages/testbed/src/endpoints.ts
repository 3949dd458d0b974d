import { randomBytes } from 'node:crypto';

/** Name of the environment variable the global setup publishes the endpoints in (JSON). */
export const TESTBED_ENV = 'SLIPWAY_TESTBED';

/** Where the test bed's servers listen. */
export interface TestbedEndpoints {
  /** moto_server: `http://127.0.0.1:PORT`; credentials testing/testing, region us-east-1. */
  moto: { url: string };
  /** docker-registry with htpasswd auth: user `AWS`, password = moto's ECR token password. */
  registry: { url: string; host: string; username: 'AWS'; password: string };
  /** dockerd: `unix:///tmp/slw-…/docker.sock` for DOCKER_HOST; registry.host is an insecure registry. */
  dockerd: { host: string };
  /** Slack double: Web API at `url + 'api/'`, webhooks at `url + 'services/T…/B…/…'`, control at `url + '_control/'`. */
  slack: { url: string };
  /** Cache-service double: `url` (trailing slash) is ACTIONS_CACHE_URL (v1) and ACTIONS_RESULTS_URL (v2). */
  cache: { url: string };
  /**
   * Git smart-HTTP server (git http-backend behind a token check): repositories at
   * `url + 'owner/name.git'`, created on disk under `root` with createGitRepository.
   */
  git: { url: string; root: string };
  /** GitHub REST double (pull requests, auto-merge): `url` is GITHUB_API_URL; control at `url + '_control/'`. */
  github: { url: string };
  /** This run's log directory (`.testbed/run-…/logs`). */
  logDir: string;
}

let cached: { raw: string; endpoints: TestbedEndpoints } | undefined;

/**
 * The endpoints of the servers the integration global setup started (read from SLIPWAY_TESTBED).
 * Throws when the test was not started through `scripts/test.sh integration`.
 */
export function testbed(): TestbedEndpoints {
  const published = process.env[TESTBED_ENV];
  if (cached && cached.raw === published) return cached.endpoints;
  if (!published) {
    throw new Error(
      `${TESTBED_ENV} is not set: integration tests need the test bed. Run them with ` +
        '`bash scripts/test.sh integration <files>` (its global setup starts the servers).',
    );
  }
  cached = { raw: published, endpoints: JSON.parse(published) as TestbedEndpoints };
  return cached.endpoints;
}

/** Is a test bed published to this process? */
export function hasTestbed(): boolean {
  return Boolean(process.env[TESTBED_ENV]);
}

/**
 * Environment that points the AWS SDK (v3) and CLI at moto with its test credentials:
 * AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID/SECRET (testing), AWS_REGION us-east-1.
 */
export function awsEnv(moto: { url: string } = testbed().moto): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: moto.url,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    // No instance metadata here: without this the SDK's provider chain waits on 169.254.169.254.
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

/**
 * A name unique to this call, valid as an S3 bucket, ECR repository or Slack channel name:
 * lowercase `prefix-xxxxxxxx`, at most 63 characters.
 */
export function uniqueName(prefix: string): string {
  const clean =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 50) || 'test';
  return `${clean}-${Date.now().toString(36).slice(-4)}${randomBytes(3).toString('hex')}`;
}
