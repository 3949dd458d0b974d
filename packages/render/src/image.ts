import { quote } from '@slipway/action-kit';
import { RenderParameterError } from './errors.ts';

/** An image reference split into the parts templates use. */
export interface ImageReference {
  /** `registry/path` without tag or digest. */
  repository: string;
  /** The tag, when the reference has one. */
  tag?: string;
  /** `sha256:…`, when the reference has a digest. */
  digest?: string;
  /**
   * What a manifest should deploy: `repository@digest` when there is a digest (a tag can be moved,
   * a digest cannot), else `repository:tag`, else the repository alone.
   */
  pinned: string;
}

// The grammar of github.com/distribution/reference, which Docker, containerd and the kubelet share.
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN =
  '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?';
const REPOSITORY = new RegExp(`^(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*$`);
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$|^sha512:[a-f0-9]{128}$/;

/**
 * Parses `registry/repo[:tag][@sha256:…]`. Throws a RenderParameterError about `reference` for
 * anything a container runtime would refuse, so a typo fails here and not at `kubectl apply`.
 */
export function parseImageReference(reference: string): ImageReference {
  const at = reference.indexOf('@');
  const digest = at >= 0 ? reference.slice(at + 1) : undefined;
  const named = at >= 0 ? reference.slice(0, at) : reference;
  const lastSlash = named.lastIndexOf('/');
  const colon = named.indexOf(':', lastSlash + 1);
  const repository = colon >= 0 ? named.slice(0, colon) : named;
  const tag = colon >= 0 ? named.slice(colon + 1) : undefined;
  const form = 'use registry/repository:tag, registry/repository@sha256:<64 hex> or both';
  if (!REPOSITORY.test(repository) || repository.length > 255) {
    throw new RenderParameterError('reference', `${quote(reference)} is not an image reference; ${form}`);
  }
  if (tag !== undefined && !TAG.test(tag)) {
    throw new RenderParameterError(
      'reference',
      `${quote(reference)} has an invalid tag ${quote(tag)}; ${form}`,
    );
  }
  if (digest !== undefined && !DIGEST.test(digest)) {
    throw new RenderParameterError(
      'reference',
      `${quote(reference)} has an invalid digest ${quote(digest)}; ${form}`,
    );
  }
  const pinned = digest ? `${repository}@${digest}` : tag ? `${repository}:${tag}` : repository;
  return { repository, tag, digest, pinned };
}
