// Digest and reference grammar only: this module is on ecr-push's start path (input checks), so it
// imports nothing; hashing (node:crypto, node:stream) lives in digest.ts.

const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** True for a `sha256:<64 hex>` digest, the only algorithm registries and ECR use for images. */
export function isDigest(value: string): boolean {
  return DIGEST.test(value);
}

/** A short form for logs: `sha256:0123456789ab`. */
export function shortDigest(digest: string): string {
  return digest.slice(0, 'sha256:'.length + 12);
}

/** The registry's tag grammar (distribution/reference): up to 128 word characters, dots and dashes. */
export const TAG_PATTERN = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

/** True when `tag` is a valid image tag. */
export function isValidTag(tag: string): boolean {
  return TAG_PATTERN.test(tag);
}

/** ECR's repository name grammar (CreateRepository `repositoryName`), 2 to 256 characters. */
const ECR_REPOSITORY = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/** True when `name` is a repository name ECR accepts. */
export function isValidRepositoryName(name: string): boolean {
  return name.length >= 2 && name.length <= 256 && ECR_REPOSITORY.test(name);
}

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/** A parsed image reference such as `ghcr.io/org/app:1.2@sha256:…`. */
export interface ImageReference {
  /** Registry host as written (`docker.io` for Docker Hub), with its port. */
  domain: string;
  /** Host the API is served from (`registry-1.docker.io` for Docker Hub). */
  apiHost: string;
  /** Repository path (`library/alpine` for `alpine`). */
  repository: string;
  tag?: string;
  digest?: string;
}

/** Raised for a reference that does not follow the grammar; the message says which part. */
export class ReferenceError extends Error {
  override readonly name = 'ImageReferenceError';
}

/**
 * Parses a reference the way Docker does: the first component is a registry when it has a dot,
 * a colon or is `localhost`; otherwise the image is on Docker Hub, where one-component names live
 * under `library/`. Without tag or digest the tag is `latest`.
 */
export function parseImageReference(text: string): ImageReference {
  let rest = text.trim();
  if (!rest) throw new ReferenceError('the image reference is empty');
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(digest)) throw new ReferenceError(`${JSON.stringify(digest)} is not a sha256 digest`);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!isValidTag(tag)) throw new ReferenceError(`${JSON.stringify(tag)} is not a valid tag`);
  }
  const parts = rest.split('/');
  let domain = 'docker.io';
  const first = parts[0] ?? '';
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    domain = first;
    parts.shift();
  }
  if (domain === 'index.docker.io') domain = 'docker.io';
  if (domain === 'docker.io' && parts.length === 1) parts.unshift('library');
  for (const p of parts) {
    if (!PATH_COMPONENT.test(p)) {
      throw new ReferenceError(
        `${JSON.stringify(p)} in ${JSON.stringify(text)} is not a valid repository path component (lowercase letters, digits, separators . _ __ -)`,
      );
    }
  }
  if (!tag && !digest) tag = 'latest';
  return {
    domain,
    apiHost: domain === 'docker.io' ? 'registry-1.docker.io' : domain,
    repository: parts.join('/'),
    ...(tag ? { tag } : {}),
    ...(digest ? { digest } : {}),
  };
}

/** Writes a reference back as text (`domain/repository[:tag][@digest]`). */
export function formatReference(ref: ImageReference): string {
  return `${ref.domain}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}
