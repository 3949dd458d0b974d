// The data-plane half of ecr-push: log in to the registry, open the image source, push.
import { type Logger, ActionError, setSecret } from '@slipway/action-kit';
import { ProxyAwareAgent } from '@slipway/net';
import {
  type DaemonImage,
  DigestMismatchError,
  DockerArchiveSource,
  type ImageSource,
  ManifestError,
  OciLayoutSource,
  type PushImageResult,
  RegistryClient,
  RegistryError,
  RegistrySource,
  RegistryTlsError,
  explainEcrRegistryError,
  inspectDaemonImage,
  isEcrHost,
  pushFromDaemon,
  pushImage,
} from '@slipway/registry';
import type { RegistryCredentials } from '@slipway/registry/auth.ts';
import type { ImageSourceSpec } from '@slipway/registry/transport.ts';
import { sourceCredentials } from './source-credentials.ts';

/** Blobs above this go up in resumable chunks, except to ECR (see RegistryClient.chunkSize). */
const CHUNK_SIZE = 64 << 20;

/** What {@link prepareRegistryPush} needs. */
export interface RegistryPushOptions {
  source: Exclude<ImageSourceSpec, { transport: 'ecr' }>;
  baseUrl: URL;
  credentials: RegistryCredentials;
  repository: string;
  tags: string[];
  concurrency: number;
  tempDir: string;
  log: Logger;
}

/** A push whose login is checked and whose source is read, waiting for the repository. */
export interface PreparedRegistryPush {
  /** Pushes, once the repository exists and its tag rules are known. */
  push(opts: {
    isTagImmutable: (tag: string) => boolean;
    repositoryIsNew: boolean;
  }): Promise<PushImageResult>;
  /** Frees connections and temporary files; safe to call more than once. */
  close(): Promise<void>;
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/;

/**
 * Turns registry and source failures into messages that say what to change. Only an error of the
 * destination (`host`, ECR) is about the ECR token or IAM; one of a `docker://` source registry is
 * about the login to that registry.
 */
export function explainPushError(err: unknown, host: string): unknown {
  if (err instanceof RegistryTlsError) return new ActionError(err.message);
  if (err instanceof RegistryError && err.host !== host) {
    if (err.status === 401 || err.status === 403) {
      return new ActionError(
        `the source registry ${err.host} refused the image read (HTTP ${err.status}); log in to it first (Docker config: docker login ${err.host}, docker/login-action, or a credential helper; DOCKER_CONFIG names another config directory). ${err.message}`,
      );
    }
    return new ActionError(`the source registry ${err.host} failed the image read: ${err.message}`);
  }
  const explained = explainEcrRegistryError(err);
  if (explained) return new ActionError(explained);
  if (err instanceof RegistryError || err instanceof ManifestError || err instanceof DigestMismatchError) {
    return new ActionError(err.message);
  }
  const code = (err as NodeJS.ErrnoException).code;
  if (code && /^E[A-Z]+$/.test(code) && !(err instanceof ActionError)) {
    return new ActionError(`could not complete the push to ${host}: ${(err as Error).message}`);
  }
  return err;
}

/**
 * Checks the registry login (a wrong password fails here, before any image work) and reads the
 * source's manifests, compressing `docker-archive:` layers (or inspects the `docker-daemon:`
 * image): everything that does not need the repository, so it runs while the ECR API looks the
 * repository up, and any failure comes before the repository is created or changed.
 */
export async function prepareRegistryPush(opts: RegistryPushOptions): Promise<PreparedRegistryPush> {
  const { log } = opts;
  const host = opts.baseUrl.host;
  const agent = new ProxyAwareAgent({ maxSockets: opts.concurrency * 2 + 4 });
  const client = new RegistryClient({
    baseUrl: opts.baseUrl,
    credentials: opts.credentials,
    agent,
    log,
    // ECR's chunked uploads do not advance past the first chunk (aws/containers-roadmap#2831):
    // one request per blob there, as docker and oras do.
    chunkSize: isEcrHost(host) ? 0 : CHUNK_SIZE,
  });
  let source: ImageSource | undefined;
  let inspected: DaemonImage | undefined;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await source?.close();
    agent.destroy();
  };
  try {
    await client.ping();
    const spec = opts.source;
    if (spec.transport === 'docker-daemon') {
      // A missing local image fails here, before the repository is created or changed.
      inspected = await inspectDaemonImage(spec.image);
    } else {
      source = await openSource(spec, client, agent, opts);
      await source.root();
    }
  } catch (err) {
    await close();
    throw explainPushError(err, host);
  }
  return {
    close,
    async push({ isTagImmutable, repositoryIsNew }) {
      try {
        const spec = opts.source;
        if (spec.transport === 'docker-daemon') {
          return await pushFromDaemon(client, {
            image: spec.image,
            registryHost: host,
            repository: opts.repository,
            tags: opts.tags,
            credentials: opts.credentials,
            isTagImmutable,
            repositoryIsNew,
            log,
            tempDir: opts.tempDir,
            ...(inspected ? { inspected } : {}),
          });
        }
        return await pushImage(source as ImageSource, client, {
          repository: opts.repository,
          tags: opts.tags,
          concurrency: opts.concurrency,
          isTagImmutable,
          repositoryIsNew,
          log,
        });
      } catch (err) {
        throw explainPushError(err, host);
      } finally {
        await close();
      }
    },
  };
}

async function openSource(
  spec: Exclude<ImageSourceSpec, { transport: 'ecr' | 'docker-daemon' }>,
  destination: RegistryClient,
  agent: ProxyAwareAgent,
  opts: RegistryPushOptions,
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
        agent,
        log: opts.log,
      });
      return new RegistrySource(client, spec.reference);
    }
  }
}
