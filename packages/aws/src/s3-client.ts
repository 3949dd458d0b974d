import type * as S3Sdk from '@aws-sdk/client-s3';
import { clientConfig, s3ForcePathStyle } from './region.ts';

/** The S3 SDK module, loaded on first use so it stays off the start-up path. */
export type S3Module = typeof S3Sdk;

/** An S3 client with the module its commands come from. */
export interface S3Handle {
  sdk: S3Module;
  client: S3Sdk.S3Client;
}

/**
 * Creates an S3 client for `region`: credentials from the default chain (OIDC web identity,
 * session tokens, profiles), endpoint from AWS_ENDPOINT_URL(_S3), path-style for custom endpoints,
 * and the SDK's bounded retries, which cover 5xx, SlowDown and dropped connections and never
 * other 4xx. Checksums are supplied by the caller (SHA-256), so the SDK does not add its own.
 */
export async function createS3Client(
  region: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<S3Handle> {
  const sdk = await import('@aws-sdk/client-s3');
  const client = new sdk.S3Client({
    ...(await clientConfig(region)),
    forcePathStyle: s3ForcePathStyle(env),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return { sdk, client };
}
