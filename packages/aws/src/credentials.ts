/**
 * Which link of the AWS SDK's default credential chain applies, decided from the environment alone
 * (no SDK loaded). The order is the SDK's own (`@aws-sdk/credential-provider-node`): environment
 * keys first, unless AWS_PROFILE is set, in which case the SDK skips them; then SSO/profile files,
 * process credentials, a web identity token file, container and instance metadata.
 */

/** Static AWS credentials, as the environment or an assumed role gives them. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Present for temporary credentials (assumed roles, OIDC). */
  sessionToken?: string;
}

/** Where the credentials will come from, in words a log line can show (never a secret). */
export type CredentialSource =
  | { kind: 'env'; credentials: AwsCredentials }
  | { kind: 'profile'; profile: string }
  | { kind: 'web-identity'; roleArn: string; tokenFile: string }
  | { kind: 'container' }
  | { kind: 'default-chain' };

/**
 * The credential source the SDK's default chain would pick first. Only `env` is resolved here;
 * every other kind needs the SDK (files, STS, metadata endpoints).
 */
export function detectCredentialSource(env: NodeJS.ProcessEnv = process.env): CredentialSource {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (env.AWS_PROFILE) return { kind: 'profile', profile: env.AWS_PROFILE };
  if (accessKeyId && secretAccessKey) {
    const sessionToken = env.AWS_SESSION_TOKEN || undefined;
    return {
      kind: 'env',
      credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) },
    };
  }
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE && env.AWS_ROLE_ARN) {
    return { kind: 'web-identity', roleArn: env.AWS_ROLE_ARN, tokenFile: env.AWS_WEB_IDENTITY_TOKEN_FILE };
  }
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) {
    return { kind: 'container' };
  }
  return { kind: 'default-chain' };
}

/** A short description of a credential source for logs and error messages. */
export function describeCredentialSource(source: CredentialSource): string {
  switch (source.kind) {
    case 'env':
      return source.credentials.sessionToken
        ? 'temporary credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN'
        : 'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';
    case 'profile':
      return `the AWS profile ${JSON.stringify(source.profile)} (AWS_PROFILE)`;
    case 'web-identity':
      return `the web identity token in AWS_WEB_IDENTITY_TOKEN_FILE for the role ${source.roleArn}`;
    case 'container':
      return 'the container credentials endpoint (AWS_CONTAINER_CREDENTIALS_*)';
    case 'default-chain':
      return "the AWS SDK's default chain (shared config files, then instance metadata)";
  }
}
