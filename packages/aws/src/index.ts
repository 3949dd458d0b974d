export { resolveRegion, clientConfig, s3ForcePathStyle } from './region.ts';
export type { AwsAttempt } from './errors.ts';
export { explainAwsError, awsErrorCode, awsStatus } from './errors.ts';
