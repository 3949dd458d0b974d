import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActionError, type Logger } from '@slipway/action-kit';
import type { RegistryCredentials } from './auth.ts';
import type { RegistryClient } from './client.ts';
import { isDigest, shortDigest } from './reference.ts';
import { type ImageManifest, isIndex } from './manifest.ts';
import { ImmutableTagError, type PushImageResult, type TagResult } from './push.ts';
import { formatBytes } from './util.ts';

/** Options of {@link pushFromDaemon}. */
export interface DaemonPushOptions {
  /** The local image: `name[:tag]` or an image ID. */
  image: string;
  /** Host (and port) the engine pushes to; must be the client's host. */
  registryHost: string;
  repository: string;
  tags: string[];
  credentials: RegistryCredentials;
  isTagImmutable: (tag: string) => boolean;
  log: Logger;
  /** Where the temporary Docker config goes (default: the OS temp dir). */
  tempDir?: string;
  /** The docker CLI (default `docker` on PATH). */
  docker?: string;
  /** The repository was just created: no tag or blob can be there yet. */
  repositoryIsNew?: boolean;
  /** The image as {@link inspectDaemonImage} found it; inspected here when absent. */
  inspected?: DaemonImage;
}

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the docker CLI; `onLine` sees stdout line by line as it comes. */
function runDocker(
  docker: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  onLine?: (line: string) => void,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(docker, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.on('data', (d: Buffer) => {
      const text = d.toString('utf8');
      stdout += text;
      if (!onLine) return;
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) onLine(line.trimEnd());
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'ENOENT'
          ? new ActionError(`the docker-daemon: source needs the docker CLI, and ${docker} is not on PATH`)
          : err,
      ),
    );
    child.on('close', (code) => {
      if (onLine && partial.trim()) onLine(partial.trimEnd());
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

/**
 * The environment that reaches the same engine once DOCKER_CONFIG points at the temporary config:
 * a docker context (DOCKER_CONTEXT, or `currentContext` in the user's config) lives in the user's
 * config directory, so its endpoint is resolved first and passed on as DOCKER_HOST.
 */
async function engineEnv(docker: string, env: NodeJS.ProcessEnv): Promise<NodeJS.ProcessEnv> {
  if (env.DOCKER_HOST) return env;
  let context = env.DOCKER_CONTEXT;
  if (!context) {
    try {
      const dir = env.DOCKER_CONFIG || join(homedir(), '.docker');
      context = (JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as { currentContext?: string })
        .currentContext;
    } catch {
      // No config, or not JSON: the default engine it is.
    }
  }
  if (!context || context === 'default') return env;
  const inspected = await runDocker(
    docker,
    ['context', 'inspect', context, '--format', '{{.Endpoints.docker.Host}}'],
    env,
  );
  const host = inspected.stdout.trim();
  if (inspected.code !== 0 || !host) {
    throw new ActionError(`the docker context ${context} could not be read: ${inspected.stderr.trim()}`);
  }
  const { DOCKER_CONTEXT: _context, ...rest } = env;
  return { ...rest, DOCKER_HOST: host };
}

/** The statuses `docker push` prints per layer, keyed by the short ID it shows. */
export function parsePushOutput(output: string): {
  digest?: string;
  layers: Map<string, 'pushed' | 'exists' | 'mounted'>;
} {
  const layers = new Map<string, 'pushed' | 'exists' | 'mounted'>();
  let digest: string | undefined;
  for (const line of output.split('\n')) {
    const m = /^([a-f0-9]{12}): (Pushed|Layer already exists|Mounted from .+)\s*$/.exec(line.trim());
    if (m) {
      layers.set(
        m[1] as string,
        m[2] === 'Pushed' ? 'pushed' : m[2] === 'Layer already exists' ? 'exists' : 'mounted',
      );
    }
    const d = /digest: (sha256:[a-f0-9]{64}) size: \d+/.exec(line);
    if (d) digest = d[1];
  }
  return { ...(digest ? { digest } : {}), layers };
}

/** A local image as `docker image inspect` describes it, and the environment that reaches its engine. */
export interface DaemonImage {
  /** The image ID (its config digest). */
  id: string;
  /** The uncompressed layer digests, in order. */
  diffIds: string[];
  /** The environment the docker CLI reaches the same engine with (a context resolved to DOCKER_HOST). */
  env: NodeJS.ProcessEnv;
}

/**
 * Looks the image up in the local engine (`docker image inspect`) without changing anything, so a
 * missing image fails before the registry or the repository is touched.
 */
export async function inspectDaemonImage(image: string, docker = 'docker'): Promise<DaemonImage> {
  const env = await engineEnv(docker, { ...process.env });
  const inspect = await runDocker(docker, ['image', 'inspect', '--format', '{{json .}}', image], env);
  if (inspect.code !== 0) {
    const said = inspect.stderr.trim().split('\n')[0] ?? '';
    throw new ActionError(
      /no such image/i.test(said)
        ? `docker-daemon:${image}: the local Docker engine has no such image (build or load it first; docker images lists what is there)`
        : `docker image inspect ${image} failed: ${said}`,
    );
  }
  const info = JSON.parse(inspect.stdout) as { Id: string; RootFS?: { Layers?: string[] } };
  return { id: info.Id, diffIds: info.RootFS?.Layers ?? [], env };
}

/**
 * Pushes an image of the local Docker engine with `docker tag` and `docker push`: the engine
 * compresses and uploads the layers itself. The registry login goes into a temporary, owner-only
 * Docker config (DOCKER_CONFIG) for the duration of the push, so the password is never on a
 * command line and the user's own config is not touched. Before anything is pushed, each tag is
 * compared by image ID (the config digest) with what the registry holds: the same image is a no-op,
 * another image under an immutable tag an error.
 */
export async function pushFromDaemon(
  client: RegistryClient,
  opts: DaemonPushOptions,
): Promise<PushImageResult> {
  const { log, repository } = opts;
  const docker = opts.docker ?? 'docker';
  const {
    env: baseEnv,
    id: imageId,
    diffIds,
  } = opts.inspected ?? (await inspectDaemonImage(opts.image, docker));
  log.info(`docker-daemon:${opts.image}: image ${shortDigest(imageId)}, ${diffIds.length} layers`);

  const tags: TagResult[] = await Promise.all(
    opts.tags.map(async (tag): Promise<TagResult> => {
      const current = opts.repositoryIsNew ? undefined : await client.manifestInfo(repository, tag);
      if (!current) return { tag, status: 'created' };
      if (current.digest === imageId) return { tag, status: 'unchanged', previous: current.digest };
      const m = await client.getManifest(repository, current.digest);
      const same = !isIndex(m.parsed) && (m.parsed as ImageManifest).config.digest === imageId;
      return { tag, status: same ? 'unchanged' : 'moved', previous: current.digest };
    }),
  );
  const blocked = tags.filter((t) => t.status === 'moved' && opts.isTagImmutable(t.tag));
  if (blocked.length) {
    throw new ImmutableTagError(
      `${blocked.map((t) => `${repository}:${t.tag} already names ${t.previous}`).join('; ')}, another image than ${opts.image} (${shortDigest(imageId)}), and the repository's tags are immutable. Nothing was pushed. Push under a new tag, or make the repository MUTABLE.`,
    );
  }
  const unchanged = tags.find((t) => t.status === 'unchanged');
  if (tags.every((t) => t.status === 'unchanged') && unchanged?.previous) {
    const m = await client.getManifest(repository, unchanged.previous);
    const size = manifestSize(m.parsed as ImageManifest);
    log.info(
      `${tags.map((t) => `${repository}:${t.tag}`).join(', ')} already name this image: nothing to push`,
    );
    return result(unchanged.previous, m.mediaType, size, 0, size, tags, diffIds.length + 1);
  }

  const configPresent =
    !opts.repositoryIsNew && isDigest(imageId) && (await client.blobSize(repository, imageId)) !== undefined;
  const dir = await mkdtemp(join(opts.tempDir ?? tmpdir(), 'slipway-docker-'));
  try {
    const auth = Buffer.from(`${opts.credentials.username}:${opts.credentials.password}`).toString('base64');
    await writeFile(join(dir, 'config.json'), JSON.stringify({ auths: { [opts.registryHost]: { auth } } }), {
      mode: 0o600,
    });
    const env = { ...baseEnv, DOCKER_CONFIG: dir };
    let digest: string | undefined;
    const statuses = new Map<string, 'pushed' | 'exists' | 'mounted'>();
    for (const t of tags) {
      if (t.status === 'unchanged') continue;
      const target = `${opts.registryHost}/${repository}:${t.tag}`;
      const tagged = await runDocker(docker, ['tag', opts.image, target], env);
      if (tagged.code !== 0)
        throw new ActionError(`docker tag ${opts.image} ${target} failed: ${tagged.stderr.trim()}`);
      const pushed = await runDocker(docker, ['push', target], env, (line) => {
        if (/: (Pushed|Layer already exists|Mounted from)|digest: /.test(line)) log.info(line);
      });
      if (pushed.code !== 0) {
        const said = (pushed.stderr.trim() || pushed.stdout.trim()).split('\n').pop() ?? '';
        throw new ActionError(explainDockerPush(said, opts.registryHost, target));
      }
      const parsed = parsePushOutput(pushed.stdout);
      for (const [id, status] of parsed.layers)
        if (!statuses.has(id) || status === 'pushed') statuses.set(id, status);
      digest ??= parsed.digest;
      log.info(`${repository}:${t.tag} → ${parsed.digest ?? '(digest not printed)'}`);
    }
    if (!digest)
      throw new ActionError(`docker push printed no digest for ${opts.registryHost}/${repository}`);
    const m = await client.getManifest(repository, digest);
    const im = m.parsed as ImageManifest;
    // docker push names layers by the first 12 hex digits of their uncompressed digest (diff ID);
    // the manifest lists them in the same order as the config's diff IDs.
    let pushedBytes = configPresent ? 0 : im.config.size;
    let reusedBytes = configPresent ? im.config.size : 0;
    im.layers.forEach((layer, i) => {
      const id = (diffIds[i] ?? '').replace(/^sha256:/, '').slice(0, 12);
      if (statuses.get(id) === 'pushed') pushedBytes += layer.size;
      else reusedBytes += layer.size;
    });
    log.info(`pushed ${formatBytes(pushedBytes)}, reused ${formatBytes(reusedBytes)}`);
    return result(
      digest,
      m.mediaType,
      manifestSize(im),
      pushedBytes,
      reusedBytes,
      tags,
      im.layers.length + 1,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function manifestSize(m: ImageManifest): number {
  return m.config.size + m.layers.reduce((sum, l) => sum + l.size, 0);
}

function result(
  digest: string,
  mediaType: string,
  size: number,
  pushedBytes: number,
  reusedBytes: number,
  tags: TagResult[],
  blobCount: number,
): PushImageResult {
  return {
    digest,
    mediaType,
    size,
    pushedBytes,
    reusedBytes,
    blobs: { uploaded: 0, mounted: 0, existing: pushedBytes === 0 ? blobCount : 0, foreign: 0 },
    manifests: { pushed: tags.filter((t) => t.status !== 'unchanged').length, existing: 0 },
    tags,
  };
}

/** Turns the last line of a failed `docker push` into what to change. */
export function explainDockerPush(said: string, host: string, target: string): string {
  if (/unauthorized|authentication required|no basic auth credentials|401/i.test(said)) {
    return `docker push ${target} was refused by ${host} (${said}): the ECR authorization token is wrong or expired, or belongs to another account or region`;
  }
  if (/denied|403/i.test(said)) {
    const action = /perform: (ecr:\w+)/.exec(said)?.[1];
    return `docker push ${target} was denied by ${host} (${said}): the role needs ${
      action
        ? `the IAM permission ${action}`
        : 'ecr:InitiateLayerUpload, ecr:UploadLayerPart, ecr:CompleteLayerUpload, ecr:BatchCheckLayerAvailability and ecr:PutImage'
    } on the repository`;
  }
  if (/http: server gave HTTP response to HTTPS client/i.test(said)) {
    return `docker push ${target} failed: ${host} speaks plain HTTP; start dockerd with --insecure-registry ${host} to push there (${said})`;
  }
  return `docker push ${target} failed: ${said}`;
}
