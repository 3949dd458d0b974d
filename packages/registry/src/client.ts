import type { Hash } from 'node:crypto';
import { type Readable, Transform } from 'node:stream';
import { type Logger, isTransientNetworkError, silentLogger, withRetry } from '@slipway/action-kit';
import { RegistryAuth, RegistryAuthError, type RegistryCredentials } from './auth.ts';
import { DigestMismatchError, HashingStream, sha256Digest } from './digest.ts';
import { shortDigest } from './reference.ts';
import { type RegistryOperation, RegistryError, RegistryTlsError, registryError } from './errors.ts';
import {
  type HttpResponse,
  type ProxyAwareAgent,
  discardBody,
  header,
  readBody,
  sendRequest,
} from '@slipway/net';
import { explainTlsError } from '@slipway/net/tls';
import { type Descriptor, type ManifestBlob, parseManifest } from './manifest.ts';
import { MANIFEST_TYPES } from './media-types.ts';

/** Reads a byte range `[start, end)` of a blob from wherever the image comes from. */
export interface BlobReader {
  open(start: number, end: number): Promise<Readable>;
}

/** How a blob got into the destination repository. */
export type BlobOutcome = 'exists' | 'mounted' | 'uploaded';

/** Options of {@link RegistryClient}. */
export interface RegistryClientOptions {
  /** `https://host[:port]`, or `http://…` for a local registry. */
  baseUrl: URL;
  credentials?: RegistryCredentials;
  agent: ProxyAwareAgent;
  log?: Logger;
  /**
   * Blobs larger than this go up in chunks (PATCH with Content-Range, resumable); smaller ones in
   * one request. 0 disables chunking, which is what Slipway does for ECR (see {@link isEcrHost}).
   */
  chunkSize?: number;
  /** Attempts per request or blob upload, the first included (default 5). */
  attempts?: number;
  /** First retry delay (default 500 ms). */
  retryDelayMs?: number;
}

/** True for an ECR registry host (`<account>.dkr.ecr.<region>.amazonaws.com[.cn]`). */
export function isEcrHost(host: string): boolean {
  return /\.dkr\.ecr(-fips)?\.[a-z0-9-]+\.(amazonaws\.com(\.cn)?|on\.aws)(:\d+)?$/.test(host);
}

/** An upload in progress: where to send the next bytes and how far the registry has them. */
interface UploadSession {
  location: URL;
  committed: number;
  hash?: { hash: Hash; bytes: number };
}

/** A chunked upload the registry answered in a way the spec does not allow (ECR's Range that does not advance). */
class ChunkingUnsupportedError extends Error {}

/**
 * A client of the OCI distribution API for one registry: blob existence checks, cross-repository
 * mounts, monolithic and chunked uploads streamed from any reader with the digest verified on the
 * way, bounded retries that restart or resume an upload cleanly, and manifests.
 * https://github.com/opencontainers/distribution-spec/blob/main/spec.md
 */
export class RegistryClient {
  readonly host: string;
  readonly auth: RegistryAuth;
  private readonly log: Logger;
  private readonly attempts: number;
  private readonly retryDelayMs: number;
  readonly chunkSize: number;

  constructor(private readonly opts: RegistryClientOptions) {
    this.host = opts.baseUrl.host;
    this.auth = new RegistryAuth(this.host, opts.credentials, opts.agent);
    this.log = opts.log ?? silentLogger;
    this.attempts = opts.attempts ?? 5;
    this.retryDelayMs = opts.retryDelayMs ?? 500;
    this.chunkSize = opts.chunkSize ?? 0;
  }

  private url(path: string): URL {
    return new URL(path, this.opts.baseUrl);
  }

  /**
   * Sends a request with authorization: on a 401 the challenge is answered (Basic or a Bearer
   * token) and a request without a streamed body is sent again once.
   */
  private async send(
    op: RegistryOperation,
    repository: string | undefined,
    req: {
      method: string;
      url: URL;
      headers?: Record<string, string | number>;
      body?: Buffer | (() => Promise<Readable>);
    },
    scopes: string[],
  ): Promise<HttpResponse> {
    await this.auth.ensureScopes(scopes);
    for (let round = 0; ; round++) {
      const headers: Record<string, string | number> = { 'User-Agent': 'slipway', ...req.headers };
      const authorization = req.url.host === this.host ? this.auth.header() : undefined;
      if (authorization) headers.Authorization = authorization;
      const body = typeof req.body === 'function' ? await req.body() : req.body;
      let res: HttpResponse;
      try {
        res = await sendRequest({ method: req.method, url: req.url, headers, body }, this.opts.agent);
      } catch (err) {
        const tls = explainTlsError(err, req.url.host);
        if (tls) throw new RegistryTlsError(req.url.host, tls, { cause: err });
        throw err;
      }
      if (res.status === 401 && round === 0 && req.url.host === this.host) {
        const www = header(res, 'www-authenticate');
        await discardBody(res);
        let retry: boolean;
        try {
          retry = await this.auth.challenge(www, scopes);
        } catch (err) {
          if (err instanceof RegistryAuthError)
            throw registryError(op, err.status, this.host, repository, err.message);
          throw err;
        }
        if (retry) continue;
        throw registryError(op, 401, this.host, repository, '');
      }
      return res;
    }
  }

  /** Turns an unexpected response into a RegistryError (reading the error body). */
  private async fail(
    op: RegistryOperation,
    repository: string | undefined,
    res: HttpResponse,
  ): Promise<never> {
    let text = '';
    try {
      text = (await readBody(res, 64 << 10)).toString('utf8');
    } catch {
      // The body is only for the message; a broken one must not hide the status.
    }
    throw registryError(op, res.status, this.host, repository, text, header(res, 'retry-after'));
  }

  /** Runs `fn` with the client's bounded retries on 5xx, 429 and dropped connections. */
  retrying<T>(what: string, fn: (attempt: number) => Promise<T>): Promise<T> {
    return withRetry(fn, {
      attempts: this.attempts,
      baseDelayMs: this.retryDelayMs,
      log: this.log,
      what,
      retryable: (err) => {
        if (err instanceof RegistryError) {
          if (!err.transient) return false;
          return err.retryAfterMs !== undefined ? { afterMs: err.retryAfterMs } : true;
        }
        return isTransientNetworkError(err);
      },
    });
  }

  private static pull(repository: string): string {
    return `repository:${repository}:pull`;
  }

  private static push(repository: string): string {
    return `repository:${repository}:pull,push`;
  }

  /**
   * Checks that the registry answers and accepts the credentials (`GET /v2/`): a wrong password
   * fails here, before any image work starts.
   */
  async ping(): Promise<void> {
    await this.retrying(`login check at ${this.host}`, async () => {
      const res = await this.send('ping', undefined, { method: 'GET', url: this.url('/v2/') }, []);
      await discardBody(res);
      if (res.status === 200) return;
      // Token registries challenge /v2/ without a scope; the token flow then runs per repository.
      if (res.status === 401 && !this.auth.hasCredentials) return;
      await this.fail('ping', undefined, res);
    });
  }

  /** The size of a blob in the repository, or undefined when it is not there. */
  async blobSize(repository: string, digest: string): Promise<number | undefined> {
    return this.retrying(`check of ${shortDigest(digest)}`, async () => {
      const res = await this.send(
        'check-blob',
        repository,
        { method: 'HEAD', url: this.url(`/v2/${repository}/blobs/${digest}`) },
        [RegistryClient.push(repository)],
      );
      await discardBody(res);
      if (res.status === 200 || res.status === 307 || res.status === 302) {
        const length = Number(header(res, 'content-length'));
        return Number.isFinite(length) ? length : 0;
      }
      if (res.status === 404) return undefined;
      return this.fail('check-blob', repository, res);
    });
  }

  /**
   * Puts a blob into `repository`: skipped when already there (unless `knownMissing` says not to
   * ask), mounted from `mountFrom` in the same registry when possible, else uploaded from
   * `reader` with the digest verified.
   */
  async pushBlob(
    repository: string,
    desc: Descriptor,
    reader: BlobReader,
    opts: { mountFrom?: string; onProgress?: (sent: number) => void; knownMissing?: boolean } = {},
  ): Promise<BlobOutcome> {
    if (!opts.knownMissing && (await this.blobSize(repository, desc.digest)) !== undefined) return 'exists';
    let session: UploadSession | undefined;
    if (opts.mountFrom && opts.mountFrom !== repository) {
      const mounted = await this.mount(repository, desc.digest, opts.mountFrom);
      if (mounted === 'mounted') return 'mounted';
      session = mounted;
    }
    await this.upload(repository, desc, reader, session, opts.onProgress);
    return 'uploaded';
  }

  /** `POST …/blobs/uploads/?mount=&from=`: 201 mounted; 202 means the registry opened an upload instead. */
  private async mount(
    repository: string,
    digest: string,
    from: string,
  ): Promise<'mounted' | UploadSession | undefined> {
    try {
      return await this.retrying(`mount of ${shortDigest(digest)}`, async () => {
        const url = this.url(`/v2/${repository}/blobs/uploads/`);
        url.searchParams.set('mount', digest);
        url.searchParams.set('from', from);
        const res = await this.send(
          'mount-blob',
          repository,
          { method: 'POST', url, headers: { 'Content-Length': 0 } },
          [RegistryClient.push(repository), RegistryClient.pull(from)],
        );
        await discardBody(res);
        if (res.status === 201) return 'mounted' as const;
        if (res.status === 202) return this.sessionFrom(res);
        return this.fail('mount-blob', repository, res);
      });
    } catch (err) {
      if (err instanceof RegistryError && (err.status === 401 || err.status === 403)) throw err;
      this.log.debug(
        `mount of ${shortDigest(digest)} from ${from} failed (${(err as Error).message}); uploading instead`,
      );
      return undefined;
    }
  }

  private sessionFrom(res: HttpResponse): UploadSession {
    const location = header(res, 'location');
    if (!location) throw new Error(`${this.host} opened an upload without a Location header`);
    return { location: new URL(location, res.url), committed: 0 };
  }

  private async startUpload(repository: string): Promise<UploadSession> {
    const res = await this.send(
      'start-upload',
      repository,
      { method: 'POST', url: this.url(`/v2/${repository}/blobs/uploads/`), headers: { 'Content-Length': 0 } },
      [RegistryClient.push(repository)],
    );
    await discardBody(res);
    if (res.status !== 202) return this.fail('start-upload', repository, res);
    return this.sessionFrom(res);
  }

  /** Best-effort DELETE of an abandoned upload so the registry can free its partial data. */
  private async cancel(repository: string, session: UploadSession): Promise<void> {
    try {
      const res = await this.send('cancel-upload', repository, { method: 'DELETE', url: session.location }, [
        RegistryClient.push(repository),
      ]);
      await discardBody(res);
    } catch {
      // Nothing depends on it: an abandoned upload expires on its own.
    }
  }

  /**
   * Where the registry is in an upload (`GET <location>` → `Range: 0-<last>`); the session can
   * be resumed only when that is exactly the last acknowledged chunk.
   */
  private async canResume(repository: string, session: UploadSession): Promise<boolean> {
    try {
      const res = await this.send('upload-status', repository, { method: 'GET', url: session.location }, [
        RegistryClient.push(repository),
      ]);
      await discardBody(res);
      if (res.status !== 204) return false;
      const range = /^(?:bytes=)?0-(\d+)$/.exec(header(res, 'range') ?? '');
      const have = range ? Number(range[1]) + 1 : 0;
      const location = header(res, 'location');
      if (location) session.location = new URL(location, res.url);
      return have === session.committed;
    } catch {
      return false;
    }
  }

  private completionUrl(session: UploadSession, digest: string): URL {
    const url = new URL(session.location);
    url.searchParams.set('digest', digest);
    return url;
  }

  /**
   * Uploads a blob with bounded retries. A single-request upload is restarted from the first byte
   * in a fresh session; a chunked one resumes after its last acknowledged chunk when the registry
   * confirms that offset, and restarts otherwise.
   */
  private async upload(
    repository: string,
    desc: Descriptor,
    reader: BlobReader,
    initial: UploadSession | undefined,
    onProgress?: (sent: number) => void,
  ): Promise<void> {
    let session = initial;
    let chunked = this.chunkSize > 0 && desc.size > this.chunkSize;
    await this.retrying(`upload of ${shortDigest(desc.digest)}`, async (attempt) => {
      if (session && attempt > 1) {
        if (!(chunked && session.committed > 0 && (await this.canResume(repository, session)))) {
          await this.cancel(repository, session);
          session = undefined;
        } else {
          this.log.info(`resuming ${shortDigest(desc.digest)} at byte ${session.committed} of ${desc.size}`);
        }
      }
      session ??= await this.startUpload(repository);
      try {
        if (chunked) await this.uploadChunks(repository, desc, reader, session, onProgress);
        else await this.uploadWhole(repository, desc, reader, session, onProgress);
      } catch (err) {
        if (err instanceof ChunkingUnsupportedError) {
          this.log.info(
            `${this.host}: ${err.message}; uploading ${shortDigest(desc.digest)} in one request instead`,
          );
          chunked = false;
          const stale = session;
          session = undefined;
          await this.cancel(repository, stale);
          session = await this.startUpload(repository);
          await this.uploadWhole(repository, desc, reader, session, onProgress);
          return;
        }
        throw err;
      }
    });
  }

  /** A stream of `[start, end)` of the blob that hashes, counts and refuses a wrong size or digest. */
  private async verifiedStream(
    desc: Descriptor,
    reader: BlobReader,
    start: number,
    end: number,
    seed: UploadSession['hash'],
    onProgress?: (sent: number) => void,
  ): Promise<HashingStream> {
    const source = await reader.open(start, end);
    let sent = start;
    const hashing = new HashingStream(seed, (n) => {
      sent += n;
      onProgress?.(sent);
    });
    hashing.expect(end, end === desc.size ? desc.digest : undefined, `blob ${shortDigest(desc.digest)}`);
    source.on('error', (err) => hashing.destroy(err));
    // A failed request destroys the hashing stream; the file or response behind it must go too.
    hashing.on('close', () => source.destroy());
    return source.pipe(hashing);
  }

  private async uploadWhole(
    repository: string,
    desc: Descriptor,
    reader: BlobReader,
    session: UploadSession,
    onProgress?: (sent: number) => void,
  ): Promise<void> {
    onProgress?.(0);
    const res = await this.send(
      'complete-upload',
      repository,
      {
        method: 'PUT',
        url: this.completionUrl(session, desc.digest),
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': desc.size },
        body: () => this.verifiedStream(desc, reader, 0, desc.size, undefined, onProgress),
      },
      [RegistryClient.push(repository)],
    );
    if (res.status !== 201) return this.fail('complete-upload', repository, res);
    await discardBody(res);
    this.checkCommitted(res, desc.digest);
  }

  private async uploadChunks(
    repository: string,
    desc: Descriptor,
    reader: BlobReader,
    session: UploadSession,
    onProgress?: (sent: number) => void,
  ): Promise<void> {
    while (session.committed < desc.size) {
      const start = session.committed;
      const end = Math.min(desc.size, start + this.chunkSize);
      let stream: HashingStream | undefined;
      const res = await this.send(
        'upload-chunk',
        repository,
        {
          method: 'PATCH',
          url: session.location,
          headers: {
            'Content-Type': 'application/octet-stream',
            'Content-Length': end - start,
            'Content-Range': `${start}-${end - 1}`,
          },
          body: async () =>
            (stream = await this.verifiedStream(desc, reader, start, end, session.hash, onProgress)),
        },
        [RegistryClient.push(repository)],
      );
      if (res.status === 416) {
        await discardBody(res);
        throw new ChunkingUnsupportedError(`the registry refused the chunk at byte ${start} (HTTP 416)`);
      }
      if (res.status !== 202) return this.fail('upload-chunk', repository, res);
      await discardBody(res);
      const range = /^(?:bytes=)?0-(\d+)$/.exec(header(res, 'range') ?? '');
      if (!range || Number(range[1]) !== end - 1) {
        throw new ChunkingUnsupportedError(
          `after the chunk ending at byte ${end - 1} the registry reported Range ${JSON.stringify(header(res, 'range') ?? '')}`,
        );
      }
      const location = header(res, 'location');
      if (location) session.location = new URL(location, res.url);
      session.committed = end;
      if (stream) session.hash = { hash: stream.hash.copy(), bytes: stream.bytes };
    }
    const res = await this.send(
      'complete-upload',
      repository,
      { method: 'PUT', url: this.completionUrl(session, desc.digest), headers: { 'Content-Length': 0 } },
      [RegistryClient.push(repository)],
    );
    if (res.status !== 201) return this.fail('complete-upload', repository, res);
    await discardBody(res);
    this.checkCommitted(res, desc.digest);
  }

  private checkCommitted(res: HttpResponse, digest: string): void {
    const stored = header(res, 'docker-content-digest');
    if (stored && stored !== digest) {
      throw new DigestMismatchError(
        digest,
        stored,
        `the blob the registry stored for ${shortDigest(digest)}`,
      );
    }
  }

  /** Opens `[start, end)` of a blob for reading, following redirects to storage (S3, a CDN). */
  async openBlob(repository: string, digest: string, start: number, end: number): Promise<Readable> {
    return this.retrying(`download of ${shortDigest(digest)}`, async () => {
      let url = this.url(`/v2/${repository}/blobs/${digest}`);
      for (let hop = 0; hop < 6; hop++) {
        const headers: Record<string, string> = {};
        if (start > 0 || end > 0) headers.Range = `bytes=${start}-${end - 1}`;
        const res = await this.send('get-blob', repository, { method: 'GET', url, headers }, [
          RegistryClient.pull(repository),
        ]);
        if ([301, 302, 303, 307, 308].includes(res.status)) {
          await discardBody(res);
          url = new URL(header(res, 'location') ?? '', url);
          continue;
        }
        if (res.status === 206) return res.body;
        if (res.status === 200) return start > 0 ? skipBytes(res.body, start) : res.body;
        return this.fail('get-blob', repository, res);
      }
      throw new Error(`too many redirects fetching ${shortDigest(digest)} from ${this.host}`);
    });
  }

  /** The digest, media type and size a tag or digest points at, or undefined when absent. */
  async manifestInfo(
    repository: string,
    reference: string,
  ): Promise<{ digest: string; mediaType: string; size: number } | undefined> {
    return this.retrying(`check of ${repository}:${reference}`, async () => {
      const res = await this.send(
        'check-manifest',
        repository,
        {
          method: 'HEAD',
          url: this.url(`/v2/${repository}/manifests/${reference}`),
          headers: { Accept: MANIFEST_TYPES.join(', ') },
        },
        [RegistryClient.push(repository)],
      );
      await discardBody(res);
      if (res.status === 404) return undefined;
      if (res.status !== 200) return this.fail('check-manifest', repository, res);
      const digest = header(res, 'docker-content-digest');
      if (!digest) {
        const m = await this.getManifest(repository, reference);
        return { digest: m.digest, mediaType: m.mediaType, size: m.bytes.length };
      }
      return {
        digest,
        mediaType: (header(res, 'content-type') ?? '').split(';')[0] ?? '',
        size: Number(header(res, 'content-length') ?? 0),
      };
    });
  }

  /** Reads a manifest; its digest is computed over the bytes and checked against a digest reference. */
  async getManifest(
    repository: string,
    reference: string,
    scope: 'pull' | 'push' = 'push',
  ): Promise<ManifestBlob> {
    return this.retrying(`read of ${repository}:${reference}`, async () => {
      const res = await this.send(
        'get-manifest',
        repository,
        {
          method: 'GET',
          url: this.url(`/v2/${repository}/manifests/${reference}`),
          headers: { Accept: MANIFEST_TYPES.join(', ') },
        },
        [scope === 'pull' ? RegistryClient.pull(repository) : RegistryClient.push(repository)],
      );
      if (res.status !== 200) return this.fail('get-manifest', repository, res);
      const bytes = await readBody(res, 4 << 20);
      const digest = sha256Digest(bytes);
      if (reference.startsWith('sha256:') && digest !== reference) {
        throw new DigestMismatchError(
          reference,
          digest,
          `the manifest ${repository}@${reference} from ${this.host}`,
        );
      }
      const { mediaType, parsed } = parseManifest(
        bytes,
        header(res, 'content-type'),
        `${this.host}/${repository}:${reference}`,
      );
      return { bytes, digest, mediaType, parsed };
    });
  }

  /** Pushes manifest bytes under a tag or its digest; returns the digest the registry stored. */
  async putManifest(repository: string, reference: string, manifest: ManifestBlob): Promise<string> {
    return this.retrying(`push of ${repository}:${reference}`, async () => {
      const res = await this.send(
        'put-manifest',
        repository,
        {
          method: 'PUT',
          url: this.url(`/v2/${repository}/manifests/${reference}`),
          headers: { 'Content-Type': manifest.mediaType },
          body: manifest.bytes,
        },
        [RegistryClient.push(repository)],
      );
      if (res.status !== 201 && res.status !== 200) return this.fail('put-manifest', repository, res);
      await discardBody(res);
      const stored = header(res, 'docker-content-digest') ?? manifest.digest;
      if (stored !== manifest.digest) {
        throw new DigestMismatchError(
          manifest.digest,
          stored,
          `the manifest ${repository}:${reference} as stored by ${this.host}`,
        );
      }
      return stored;
    });
  }
}

/** Drops the first `n` bytes of a stream (a server that ignored the Range header). */
function skipBytes(stream: Readable, n: number): Readable {
  let left = n;
  const skipper = new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (left >= chunk.length) {
        left -= chunk.length;
        done();
        return;
      }
      const rest = left > 0 ? chunk.subarray(left) : chunk;
      left = 0;
      done(null, rest);
    },
  });
  stream.on('error', (err) => skipper.destroy(err));
  return stream.pipe(skipper);
}
