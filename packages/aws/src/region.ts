import type { Agent } from 'node:http';
import { AwsParameterError } from './parameter-error.ts';

/**
 * The region given, else AWS_REGION / AWS_DEFAULT_REGION, as the AWS CLI does. Throws an
 * AwsParameterError about `region` when there is none or it is not a region.
 */
export function resolveRegion(given: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const region = given || env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new AwsParameterError(
      'region',
      'no AWS region: set the region input or AWS_REGION (aws-actions/configure-aws-credentials sets it)',
    );
  }
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    throw new AwsParameterError(
      'region',
      `${JSON.stringify(region)} is not an AWS region; use e.g. us-east-1`,
    );
  }
  return region;
}

/**
 * Settings every Slipway AWS client shares. The SDK already retries throttling, 5xx and dropped
 * connections with bounded back-off (standard mode) and never retries other 4xx; endpoints come from
 * AWS_ENDPOINT_URL(_<SERVICE>) by the SDK itself (LocalStack, moto). Connections go through the
 * process's proxy-aware agent, so HTTPS_PROXY/NO_PROXY apply as they do to every other client.
 */
export async function clientConfig(region: string): Promise<{
  region: string;
  maxAttempts: number;
  requestHandler: { httpAgent: Agent; httpsAgent: Agent };
}> {
  const { sharedAgent } = await import('@slipway/net');
  const agent = sharedAgent();
  return { region, maxAttempts: 4, requestHandler: { httpAgent: agent, httpsAgent: agent } };
}

/** S3 through a custom endpoint (LocalStack, moto, MinIO) needs path-style addressing. */
export function s3ForcePathStyle(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || env.AWS_S3_FORCE_PATH_STYLE === 'true');
}
