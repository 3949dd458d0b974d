import type { Agent } from 'node:http';
import { InputError } from '@slipway/action-kit';

/** The region from the `region` input, else AWS_REGION / AWS_DEFAULT_REGION, as the AWS CLI does. */
export function resolveRegion(input: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const region = input || env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new InputError(
      'region',
      'no AWS region: set the region input or AWS_REGION (aws-actions/configure-aws-credentials sets it)',
    );
  }
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    throw new InputError('region', `${JSON.stringify(region)} is not an AWS region; use e.g. us-east-1`);
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
