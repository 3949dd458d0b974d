import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { type ImageReference, isValidTag, parseImageReference, isDigest } from './reference.ts';

/** Where an image comes from, as skopeo writes it (`oci:./out:1.0`, `docker://alpine:3` …). */
export type ImageSourceSpec =
  | { transport: 'oci'; path: string; ref?: string }
  | { transport: 'docker-archive'; path: string; ref?: string }
  | { transport: 'docker'; reference: ImageReference }
  | { transport: 'docker-daemon'; image: string }
  | { transport: 'ecr'; tag?: string; digest?: string };

/** The transports in the order the documentation lists them. */
export const TRANSPORTS = ['docker-daemon', 'oci', 'docker-archive', 'docker', 'ecr'] as const;

const ACCEPTED =
  'docker-daemon:IMAGE, oci:PATH[:REF], docker-archive:PATH[:REF], docker://REFERENCE or ecr:TAG-or-DIGEST';

/** Raised for a source that does not parse; the message names the accepted forms. */
export class SourceSpecError extends Error {
  override readonly name = 'SourceSpecError';
}

/**
 * Parses a source. Paths and references are split at the first colon after the transport, as
 * skopeo does (a path cannot contain a colon; a reference may).
 */
export function parseSourceSpec(text: string): ImageSourceSpec {
  const value = text.trim();
  const colon = value.indexOf(':');
  if (colon <= 0) {
    throw new SourceSpecError(`${JSON.stringify(value)} names no transport; use ${ACCEPTED}`);
  }
  const transport = value.slice(0, colon);
  const rest = value.slice(colon + 1);
  switch (transport) {
    case 'oci':
    case 'docker-archive': {
      const sep = rest.indexOf(':');
      const path = sep >= 0 ? rest.slice(0, sep) : rest;
      const ref = sep >= 0 ? rest.slice(sep + 1) : undefined;
      if (!path)
        throw new SourceSpecError(
          `${transport}: needs a path, as in ${transport}:./image${transport === 'oci' ? ':1.0' : '.tar'}`,
        );
      if (ref !== undefined && !ref)
        throw new SourceSpecError(`${JSON.stringify(value)} ends with an empty reference after the path`);
      return { transport, path, ...(ref ? { ref } : {}) };
    }
    case 'docker': {
      if (!rest.startsWith('//') || rest.length === 2) {
        throw new SourceSpecError(
          `${JSON.stringify(value)}: write a registry source as docker://REFERENCE, e.g. docker://public.ecr.aws/docker/library/alpine:3.20`,
        );
      }
      try {
        return { transport: 'docker', reference: parseImageReference(rest.slice(2)) };
      } catch (err) {
        throw new SourceSpecError(`${JSON.stringify(value)}: ${(err as Error).message}`);
      }
    }
    case 'docker-daemon': {
      if (!rest) throw new SourceSpecError('docker-daemon: needs an image, as in docker-daemon:app:1.0');
      if (!isDigest(rest)) {
        try {
          parseImageReference(rest);
        } catch (err) {
          throw new SourceSpecError(`${JSON.stringify(value)}: ${(err as Error).message}`);
        }
      }
      return { transport: 'docker-daemon', image: rest };
    }
    case 'ecr': {
      if (isDigest(rest)) return { transport: 'ecr', digest: rest };
      if (rest.startsWith('sha256:'))
        throw new SourceSpecError(
          `${JSON.stringify(rest)} is not a sha256 digest (sha256: and 64 hex digits)`,
        );
      if (!isValidTag(rest)) {
        throw new SourceSpecError(
          `${JSON.stringify(value)}: after ecr: give a tag or a digest of an image in this repository, e.g. ecr:git-1a2b3c4 or ecr:sha256:…`,
        );
      }
      return { transport: 'ecr', tag: rest };
    }
    default:
      throw new SourceSpecError(`unknown transport ${JSON.stringify(transport)}; use ${ACCEPTED}`);
  }
}

/**
 * Resolves the path of a file-based source against `baseDir` (the workspace) and checks it is
 * there, so a typo fails before anything else happens. Other transports are returned unchanged.
 */
export function resolveSourcePath(spec: ImageSourceSpec, baseDir: string): ImageSourceSpec {
  if (spec.transport !== 'oci' && spec.transport !== 'docker-archive') return spec;
  const path = isAbsolute(spec.path) ? spec.path : resolve(baseDir, spec.path);
  if (!existsSync(path)) {
    throw new SourceSpecError(`${spec.transport}:${spec.path}: ${path} does not exist`);
  }
  if (spec.transport === 'oci') {
    if (!statSync(path).isDirectory() || !existsSync(join(path, 'index.json'))) {
      throw new SourceSpecError(
        `oci:${spec.path}: ${path} is not an OCI image layout (a directory with index.json and blobs/); for a tarball use docker-archive: or unpack it`,
      );
    }
  } else if (!statSync(path).isFile()) {
    throw new SourceSpecError(
      `docker-archive:${spec.path}: ${path} is not a file (expected the tarball of docker save)`,
    );
  }
  return { ...spec, path };
}
