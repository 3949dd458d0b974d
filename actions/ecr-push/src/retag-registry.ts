// `ecr:` retags where the image lives behind `registry-url` (LocalStack, a local registry): the
// ECR API of the endpoint may not know images pushed through that registry's own API, so the
// retag reads and writes manifests there, as the push did. No blob moves.
import { type Logger, ActionError } from '@slipway/action-kit';
import type { RetagResult, RetagTagResult } from '@slipway/aws/ecr-repository.ts';
import { ProxyAwareAgent } from '@slipway/net';
import { type ManifestBlob, RegistryClient } from '@slipway/registry';
import type { RegistryCredentials } from '@slipway/registry/auth.ts';
import { explainPushError } from './push-image.ts';

/** Sum of the blob sizes an image (or every image of an index) references. */
async function imageSize(
  client: RegistryClient,
  repository: string,
  manifest: ManifestBlob,
): Promise<number> {
  const blobs = new Map<string, number>();
  const add = (m: ManifestBlob) => {
    if ('layers' in m.parsed) {
      blobs.set(m.parsed.config.digest, m.parsed.config.size);
      for (const l of m.parsed.layers) blobs.set(l.digest, l.size);
    }
  };
  add(manifest);
  if ('manifests' in manifest.parsed) {
    for (const child of manifest.parsed.manifests) add(await client.getManifest(repository, child.digest));
  }
  let sum = 0;
  for (const n of blobs.values()) sum += n;
  return sum;
}

/**
 * Whether `repository` of the registry at `baseUrl` has an image under `ref` (a tag or a digest):
 * one manifest HEAD, nothing changed. Run before anything else changes, so a missing `ecr:`
 * source leaves the repository and its lifecycle policy as they were.
 */
export async function registryHasImage(opts: {
  baseUrl: URL;
  credentials: RegistryCredentials;
  repository: string;
  ref: string;
  log: Logger;
}): Promise<boolean> {
  const agent = new ProxyAwareAgent({ maxSockets: 1 });
  const client = new RegistryClient({
    baseUrl: opts.baseUrl,
    credentials: opts.credentials,
    agent,
    log: opts.log,
  });
  try {
    return Boolean(await client.manifestInfo(opts.repository, opts.ref));
  } catch (err) {
    throw explainPushError(err, opts.baseUrl.host);
  } finally {
    agent.destroy();
  }
}

/**
 * Points `tags` at an image already in `repository` of the registry at `baseUrl`, by tag or
 * digest: the manifest is read and put again under each tag. Tags already on the image are left
 * alone; a tag on another image in an immutable repository stops everything before the first put.
 */
export async function retagInRegistry(opts: {
  baseUrl: URL;
  credentials: RegistryCredentials;
  repository: string;
  source: { tag: string } | { digest: string };
  tags: string[];
  isTagImmutable: (tag: string) => boolean;
  log: Logger;
}): Promise<RetagResult> {
  const { repository, log } = opts;
  const host = opts.baseUrl.host;
  const agent = new ProxyAwareAgent({ maxSockets: 4 });
  const client = new RegistryClient({ baseUrl: opts.baseUrl, credentials: opts.credentials, agent, log });
  const sourceKey = 'tag' in opts.source ? opts.source.tag : opts.source.digest;
  try {
    const found = await client.manifestInfo(repository, sourceKey);
    if (!found) {
      throw new ActionError(
        `ecr:${sourceKey}: the repository ${repository} at ${host} has no image ${'tag' in opts.source ? 'tagged' : 'with the digest'} ${sourceKey}`,
      );
    }
    const manifest = await client.getManifest(repository, found.digest);
    const tags: RetagTagResult[] = [];
    for (const tag of opts.tags) {
      const current = await client.manifestInfo(repository, tag);
      tags.push(
        !current
          ? { tag, status: 'created' }
          : current.digest === manifest.digest
            ? { tag, status: 'unchanged' }
            : { tag, status: 'moved', previous: current.digest },
      );
    }
    const blocked = tags.filter((t) => t.status === 'moved' && opts.isTagImmutable(t.tag));
    if (blocked.length) {
      throw new ActionError(
        `${blocked.map((t) => `${repository}:${t.tag} already names ${t.previous}`).join('; ')}, and the repository's tags are immutable, so it cannot be moved to ${manifest.digest}. Nothing was changed.`,
      );
    }
    for (const t of tags) {
      if (t.status === 'unchanged') continue;
      await client.putManifest(repository, t.tag, manifest);
      log.info(
        `${host}/${repository}:${t.tag} → ${manifest.digest}${t.status === 'moved' ? ` (was ${t.previous})` : ''}`,
      );
    }
    const size = await imageSize(client, repository, manifest);
    return { digest: manifest.digest, mediaType: manifest.mediaType, size, tags };
  } catch (err) {
    throw explainPushError(err, host);
  } finally {
    agent.destroy();
  }
}
