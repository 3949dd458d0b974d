// The data-plane half of ecr-push: build the image source for the transport and push it.
import { type Logger, ActionError, setSecret } from '@slipway/action-kit';
import {
  DigestMismatchError,
  DockerArchiveSource,
  HttpAgents,
  type ImageSource,
  ManifestError,
  OciLayoutSource,
  type PushImageResult,
  RegistryClient,
  RegistryError,
  RegistrySource,
  explainEcrRegistryError,
  isEcrHost,
  pushFromDaemon,
  pushImage,
} from '@slipway/registry';
import type { RegistryCredentials } from '@slipway/registry/auth.ts';
import type { ImageSourceSpec } from '@slipway/registry/transport.ts';
import { sourceCredentials } from './source-credentials.ts';

/** Blobs above this go up in resumable chunks, except to ECR (see RegistryClient.chunkSize). */
const CHUNK_SIZE = 64 << 20;

/** Options of {@link pushToRegistry}. */
export interface PushToRegistryOptions {
  source: Exclude<ImageSourceSpec, { transport: 'ecr' }>;
  baseUrl: URL;
  credentials: RegistryCredentials;
  repository: string;
  tags: string[];
  concurrency: number;
  isTagImmutable: (tag: string) => boolean;
  tempDir: string;
  log: Logger;
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/;

/**
 * Pushes from files, another registry or the local engine to the registry at `baseUrl`. The
 * login is checked first, so a wrong password fails before any image work; registry refusals are
 * explained in terms of ECR (the password, or the IAM action missing).
 */
export async function pushToRegistry(opts: PushToRegistryOptions): Promise<PushImageResult> {
  const { log } = opts;
  const agents = new HttpAgents(opts.concurrency * 2 + 4);
  const client = new RegistryClient({
    baseUrl: opts.baseUrl,
    credentials: opts.credentials,
    agents,
    log,
    // ECR's chunked uploads do not advance past the first chunk (aws/containers-roadmap#2831):
    // one request per blob there, as docker and oras do.
    chunkSize: isEcrHost(opts.baseUrl.host) ? 0 : CHUNK_SIZE,
  });
  let source: ImageSource | undefined;
  try {
    await client.ping();
    const spec = opts.source;
    if (spec.transport === 'docker-daemon') {
      return await pushFromDaemon(client, {
        image: spec.image,
        registryHost: opts.baseUrl.host,
        repository: opts.repository,
        tags: opts.tags,
        credentials: opts.credentials,
        isTagImmutable: opts.isTagImmutable,
        log,
        tempDir: opts.tempDir,
      });
    }
    source = await openSource(spec, client, agents, opts);
    return await pushImage(source, client, {
      repository: opts.repository,
      tags: opts.tags,
      concurrency: opts.concurrency,
      isTagImmutable: opts.isTagImmutable,
      log,
    });
  } catch (err) {
    const explained = explainEcrRegistryError(err);
    if (explained) throw new ActionError(explained);
    if (err instanceof RegistryError || err instanceof ManifestError || err instanceof DigestMismatchError) {
      throw new ActionError(err.message);
    }
    const code = (err as NodeJS.ErrnoException).code;
    if (code && /^E[A-Z]+$/.test(code) && !(err instanceof ActionError)) {
      throw new ActionError(`could not complete the push to ${opts.baseUrl.host}: ${(err as Error).message}`);
    }
    throw err;
  } finally {
    await source?.close();
    agents.destroy();
  }
}

async function openSource(
  spec: Exclude<ImageSourceSpec, { transport: 'ecr' | 'docker-daemon' }>,
  destination: RegistryClient,
  agents: HttpAgents,
  opts: PushToRegistryOptions,
): Promise<ImageSource> {
  switch (spec.transport) {
    case 'oci':
      return new OciLayoutSource(spec.path, spec.ref);
    case 'docker-archive':
      return new DockerArchiveSource(spec.path, spec.ref, {
        concurrency: opts.concurrency,
        log: opts.log,
        tempDir: opts.tempDir,
      });
    case 'docker': {
      const host = spec.reference.apiHost;
      // The same registry: one client, one login, and blobs mount instead of travelling.
      if (host === destination.host) return new RegistrySource(destination, spec.reference);
      const credentials = await sourceCredentials(host, opts.log);
      if (credentials) setSecret(credentials.password);
      const client = new RegistryClient({
        baseUrl: new URL(`${LOOPBACK.test(host) ? 'http' : 'https'}://${host}`),
        ...(credentials ? { credentials } : {}),
        agents,
        log: opts.log,
      });
      return new RegistrySource(client, spec.reference);
    }
  }
}
