/** What a registry request was doing, to name it in errors (and the ECR permission it needs). */
export type RegistryOperation =
  | 'ping'
  | 'check-blob'
  | 'mount-blob'
  | 'start-upload'
  | 'upload-chunk'
  | 'upload-status'
  | 'complete-upload'
  | 'cancel-upload'
  | 'get-blob'
  | 'check-manifest'
  | 'get-manifest'
  | 'put-manifest';

/**
 * The IAM action each data-plane request needs in ECR.
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-push-iam.html
 */
export const ECR_ACTION: Record<RegistryOperation, string> = {
  ping: 'ecr:GetAuthorizationToken',
  'check-blob': 'ecr:BatchCheckLayerAvailability',
  'mount-blob': 'ecr:InitiateLayerUpload',
  'start-upload': 'ecr:InitiateLayerUpload',
  'upload-chunk': 'ecr:UploadLayerPart',
  'upload-status': 'ecr:UploadLayerPart',
  'complete-upload': 'ecr:CompleteLayerUpload',
  'cancel-upload': 'ecr:UploadLayerPart',
  'get-blob': 'ecr:GetDownloadUrlForLayer',
  'check-manifest': 'ecr:BatchGetImage',
  'get-manifest': 'ecr:BatchGetImage',
  'put-manifest': 'ecr:PutImage',
};

const WHAT: Record<RegistryOperation, string> = {
  ping: 'the login check',
  'check-blob': 'checking for a blob',
  'mount-blob': 'mounting a blob from another repository',
  'start-upload': 'starting a blob upload',
  'upload-chunk': 'uploading blob data',
  'upload-status': 'reading an upload status',
  'complete-upload': 'completing a blob upload',
  'cancel-upload': 'cancelling a blob upload',
  'get-blob': 'downloading a blob',
  'check-manifest': 'checking a manifest',
  'get-manifest': 'reading a manifest',
  'put-manifest': 'pushing a manifest',
};

/** The distribution API's error body: `{"errors":[{"code":"DENIED","message":"…"}]}`. */
interface ErrorBody {
  errors?: { code?: string; message?: string; detail?: unknown }[];
}

/** A registry answered with an unexpected status. */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  constructor(
    readonly operation: RegistryOperation,
    readonly status: number,
    readonly host: string,
    readonly repository: string | undefined,
    readonly codes: string[],
    readonly detail: string,
    readonly retryAfterMs?: number,
  ) {
    super(
      `${host} answered HTTP ${status}${codes.length ? ` ${codes.join(', ')}` : ''} while ${WHAT[operation]}${
        repository ? ` in ${repository}` : ''
      }${detail ? `: ${detail}` : ''}`,
    );
  }

  /** 5xx, 429 and 408 are worth another try; the rest will answer the same again. */
  get transient(): boolean {
    return this.status >= 500 || this.status === 429 || this.status === 408;
  }
}

/** Builds a RegistryError from a response's status and body text. */
export function registryError(
  operation: RegistryOperation,
  status: number,
  host: string,
  repository: string | undefined,
  body: string,
  retryAfter?: string,
): RegistryError {
  let codes: string[] = [];
  let detail: string;
  try {
    const doc = JSON.parse(body) as ErrorBody;
    codes = (doc.errors ?? []).map((e) => e.code ?? '').filter(Boolean);
    detail = (doc.errors ?? [])
      .map((e) => e.message ?? '')
      .filter(Boolean)
      .join('; ');
  } catch {
    detail = body.replace(/\s+/g, ' ').trim().slice(0, 300);
  }
  const seconds = retryAfter && /^\d+$/.test(retryAfter) ? Number(retryAfter) : undefined;
  return new RegistryError(
    operation,
    status,
    host,
    repository,
    codes,
    detail,
    seconds !== undefined ? Math.min(seconds, 60) * 1000 : undefined,
  );
}

/**
 * Says what to change for a refused data-plane request to ECR: a 401 means the password (the
 * ECR authorization token) is wrong or expired; a 403 means the IAM policy lacks the action.
 * Undefined for other errors.
 */
export function explainEcrRegistryError(err: unknown): string | undefined {
  if (!(err instanceof RegistryError)) return undefined;
  const said = err.detail ? ` The registry said: ${err.detail}` : '';
  if (err.status === 401) {
    return `${err.host} refused the registry password while ${WHAT[err.operation]} (HTTP 401): the ECR authorization token is wrong or expired, or it was issued for another account or region than this registry. Get a fresh token from ecr:GetAuthorizationToken in the registry's own account and region.${said}`;
  }
  if (err.status === 403) {
    const action = ECR_ACTION[err.operation];
    return `${err.host} denied ${WHAT[err.operation]}${err.repository ? ` in ${err.repository}` : ''} (HTTP 403): the role or user needs the IAM permission ${action}${
      err.repository ? ` on the repository ${err.repository}` : ''
    } (a push needs ecr:BatchCheckLayerAvailability, ecr:InitiateLayerUpload, ecr:UploadLayerPart, ecr:CompleteLayerUpload, ecr:PutImage and ecr:BatchGetImage).${said}`;
  }
  return undefined;
}

/**
 * A registry's TLS certificate was refused (an unknown private CA, a name mismatch): the message
 * names the host and the fix (NODE_EXTRA_CA_CERTS). Never retried: it answers the same every time.
 */
export class RegistryTlsError extends Error {
  override readonly name = 'RegistryTlsError';
  constructor(
    readonly host: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
