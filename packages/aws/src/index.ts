export { resolveRegion, clientConfig, s3ForcePathStyle } from './region.ts';
export { AwsParameterError } from './parameter-error.ts';
export type { AwsAttempt } from './errors.ts';
export { explainAwsError, awsErrorCode, awsStatus } from './errors.ts';
