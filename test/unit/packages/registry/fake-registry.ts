// A small OCI distribution registry for unit tests: it speaks the real wire protocol (auth
// challenges, blob HEAD/GET, uploads by POST/PATCH/PUT with Location, Range and Content-Range,
// cross-repository mounts, manifests) and can be told to misbehave: drop a connection in the middle
// of a request body, answer 5xx/429, refuse an operation, or report a Range that does not advance
// (what ECR does with chunked uploads).
import { createHash, randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  status: number;
  bodyBytes: number;
  contentRange?: string;
  authorization?: string;
}

export interface Fault {
  /** Which request: method and a path test. */
  method: string;
  path: RegExp;
  /** drop: close the socket after `afterBytes` of the body; status: answer it. */
  action: { drop: number } | { status: number; headers?: Record<string, string>; body?: string };
  /** How many matching requests to hit (default 1). */
  times?: number;
}

export interface FakeRegistryOptions {
  auth?:
    | { kind: 'basic'; username: string; password: string }
    | { kind: 'bearer'; username?: string; password?: string };
  /** Report the Range of a chunked upload as if only the first chunk arrived (ECR's bug). */
  staleRange?: boolean;
  /** Wait this long before reading an upload's body (a slow registry). */
  slowUploadsMs?: number;
}

interface Upload {
  repo: string;
  data: Buffer[];
  size: number;
}

const sha256 = (b: Buffer) => 'sha256:' + createHash('sha256').update(b).digest('hex');

export class FakeRegistry {
  readonly blobs = new Map<string, Buffer>();
  readonly repoBlobs = new Map<string, Set<string>>();
  readonly manifests = new Map<string, Map<string, { bytes: Buffer; mediaType: string }>>();
  readonly uploads = new Map<string, Upload>();
  readonly requests: RecordedRequest[] = [];
  readonly faults: Fault[] = [];
  /** Uploads in flight (PUT/PATCH with a body) now, and the most seen at once. */
  inFlight = 0;
  maxInFlight = 0;
  tokensIssued: string[][] = [];
  private server!: Server;
  url!: string;
  host!: string;

  constructor(readonly opts: FakeRegistryOptions = {}) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.host = `127.0.0.1:${port}`;
    this.url = `http://${this.host}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Puts a blob into a repository directly (test setup). */
  seedBlob(repo: string, data: Buffer): string {
    const digest = sha256(data);
    this.blobs.set(digest, data);
    this.repoSet(repo).add(digest);
    return digest;
  }

  seedManifest(repo: string, ref: string, bytes: Buffer, mediaType: string): string {
    const digest = sha256(bytes);
    const m = this.manifestMap(repo);
    m.set(digest, { bytes, mediaType });
    m.set(ref, { bytes, mediaType });
    return digest;
  }

  /** Requests of a kind, e.g. count('PUT', /blobs\/uploads/). */
  count(method: string, path: RegExp): number {
    return this.requests.filter((r) => r.method === method && path.test(r.path)).length;
  }

  private repoSet(repo: string): Set<string> {
    let s = this.repoBlobs.get(repo);
    if (!s) this.repoBlobs.set(repo, (s = new Set()));
    return s;
  }

  private manifestMap(repo: string) {
    let m = this.manifests.get(repo);
    if (!m) this.manifests.set(repo, (m = new Map()));
    return m;
  }

  private record(req: IncomingMessage, status: number, bodyBytes: number): void {
    this.requests.push({
      method: req.method ?? '',
      path: req.url ?? '',
      status,
      bodyBytes,
      ...(req.headers['content-range'] ? { contentRange: String(req.headers['content-range']) } : {}),
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    });
  }

  private send(
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    headers: Record<string, string | number> = {},
    body?: Buffer | string,
    bodyBytes = 0,
  ): void {
    this.record(req, status, bodyBytes);
    res.writeHead(status, { 'Content-Length': body ? Buffer.byteLength(body) : 0, ...headers });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  private error(
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    code: string,
    message: string,
    bodyBytes = 0,
  ) {
    this.send(
      req,
      res,
      status,
      { 'Content-Type': 'application/json' },
      JSON.stringify({ errors: [{ code, message }] }),
      bodyBytes,
    );
  }

  private async readBody(req: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
    return Buffer.concat(chunks);
  }

  private authorized(req: IncomingMessage): boolean {
    const auth = this.opts.auth;
    if (!auth) return true;
    const header = req.headers.authorization ?? '';
    if (auth.kind === 'basic') {
      return header === 'Basic ' + Buffer.from(`${auth.username}:${auth.password}`).toString('base64');
    }
    return header.startsWith('Bearer tok-');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';

    if (url.pathname === '/token') {
      const auth = this.opts.auth;
      if (auth?.kind === 'bearer' && auth.username) {
        const expected = 'Basic ' + Buffer.from(`${auth.username}:${auth.password ?? ''}`).toString('base64');
        if (req.headers.authorization !== expected)
          return this.error(req, res, 401, 'UNAUTHORIZED', 'bad credentials');
      }
      const scopes = url.searchParams.getAll('scope');
      this.tokensIssued.push(scopes);
      return this.send(
        req,
        res,
        200,
        { 'Content-Type': 'application/json' },
        JSON.stringify({ token: `tok-${this.tokensIssued.length}` }),
      );
    }

    const fault = this.faults.find(
      (f) => f.method === method && f.path.test(url.pathname + url.search) && (f.times ?? 1) > 0,
    );
    if (fault) {
      fault.times = (fault.times ?? 1) - 1;
      if ('drop' in fault.action) {
        const limit = fault.action.drop;
        let seen = 0;
        this.record(req, 0, 0);
        req.on('data', (c: Buffer) => {
          seen += c.length;
          if (seen >= limit) req.socket.destroy();
        });
        // A body shorter than the limit: the connection still dies without an answer.
        req.on('end', () => req.socket.destroy());
        if (limit === 0) req.socket.destroy();
        return;
      }
      await this.readBody(req);
      return this.send(req, res, fault.action.status, fault.action.headers ?? {}, fault.action.body ?? '');
    }

    if (!this.authorized(req)) {
      await this.readBody(req);
      const auth = this.opts.auth;
      const m = /^\/v2\/(.+?)\/(blobs|manifests)\//.exec(url.pathname);
      const scope = m ? `repository:${m[1]}:pull,push` : undefined;
      const www =
        auth?.kind === 'bearer'
          ? `Bearer realm="${this.url}/token",service="fake-registry"${scope ? `,scope="${scope}"` : ''}`
          : 'Basic realm="basic-realm"';
      return this.send(
        req,
        res,
        401,
        { 'Content-Type': 'application/json', 'WWW-Authenticate': www },
        JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }),
      );
    }

    if (url.pathname === '/v2/' || url.pathname === '/v2') return this.send(req, res, 200, {}, '{}');

    let m = /^\/v2\/(.+)\/blobs\/uploads\/([\w-]+)$/.exec(url.pathname);
    if (m) return this.handleUpload(req, res, m[1] as string, m[2] as string, url);
    m = /^\/v2\/(.+)\/blobs\/uploads\/?$/.exec(url.pathname);
    if (m && method === 'POST') {
      await this.readBody(req);
      const repo = m[1] as string;
      const mount = url.searchParams.get('mount');
      const from = url.searchParams.get('from');
      if (mount && from && this.repoBlobs.get(from)?.has(mount)) {
        this.repoSet(repo).add(mount);
        return this.send(req, res, 201, {
          Location: `/v2/${repo}/blobs/${mount}`,
          'Docker-Content-Digest': mount,
        });
      }
      const id = randomUUID();
      this.uploads.set(id, { repo, data: [], size: 0 });
      return this.send(req, res, 202, {
        Location: `/v2/${repo}/blobs/uploads/${id}?_state=s0`,
        Range: '0-0',
        'Docker-Upload-UUID': id,
      });
    }
    m = /^\/v2\/(.+)\/blobs\/(sha256:[a-f0-9]{64})$/.exec(url.pathname);
    if (m) {
      const [, repo, digest] = m as unknown as [string, string, string];
      const data = this.repoBlobs.get(repo)?.has(digest) ? this.blobs.get(digest) : undefined;
      if (!data) return this.error(req, res, 404, 'BLOB_UNKNOWN', 'blob unknown to registry');
      const range = /^bytes=(\d+)-(\d+)$/.exec(String(req.headers.range ?? ''));
      if (range && method === 'GET') {
        const part = data.subarray(Number(range[1]), Number(range[2]) + 1);
        return this.send(req, res, 206, { 'Content-Type': 'application/octet-stream' }, part);
      }
      this.record(req, 200, 0);
      res.writeHead(200, {
        'Content-Length': data.length,
        'Docker-Content-Digest': digest,
        'Content-Type': 'application/octet-stream',
      });
      res.end(method === 'HEAD' ? undefined : data);
      return;
    }
    m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(url.pathname);
    if (m) {
      const [, repo, ref] = m as unknown as [string, string, string];
      if (method === 'PUT') {
        const bytes = await this.readBody(req);
        const mediaType = String(req.headers['content-type'] ?? '');
        const doc = JSON.parse(bytes.toString('utf8')) as {
          config?: { digest: string };
          layers?: { digest: string }[];
          manifests?: { digest: string }[];
        };
        const missing = [doc.config?.digest, ...(doc.layers ?? []).map((l) => l.digest)].filter(
          (d): d is string => Boolean(d) && !this.repoBlobs.get(repo)?.has(d as string),
        );
        const missingChildren = (doc.manifests ?? []).filter((c) => !this.manifests.get(repo)?.has(c.digest));
        if (missing.length || missingChildren.length) {
          return this.error(
            req,
            res,
            400,
            missing.length ? 'MANIFEST_BLOB_UNKNOWN' : 'MANIFEST_UNKNOWN',
            `unknown ${[...missing, ...missingChildren.map((c) => c.digest)].join(',')}`,
            bytes.length,
          );
        }
        const digest = this.seedManifest(repo, ref, bytes, mediaType);
        return this.send(
          req,
          res,
          201,
          { 'Docker-Content-Digest': digest, Location: `/v2/${repo}/manifests/${digest}` },
          undefined,
          bytes.length,
        );
      }
      const found = this.manifests.get(repo)?.get(ref);
      if (!found) return this.error(req, res, 404, 'MANIFEST_UNKNOWN', 'manifest unknown');
      this.record(req, 200, 0);
      res.writeHead(200, {
        'Content-Type': found.mediaType,
        'Content-Length': found.bytes.length,
        'Docker-Content-Digest': sha256(found.bytes),
      });
      res.end(method === 'HEAD' ? undefined : found.bytes);
      return;
    }
    return this.error(req, res, 404, 'NOT_FOUND', `no route ${method} ${url.pathname}`);
  }

  private async handleUpload(
    req: IncomingMessage,
    res: ServerResponse,
    repo: string,
    id: string,
    url: URL,
  ): Promise<void> {
    const upload = this.uploads.get(id);
    const method = req.method ?? '';
    if (!upload) {
      await this.readBody(req);
      return this.error(req, res, 404, 'BLOB_UPLOAD_UNKNOWN', 'blob upload unknown to registry');
    }
    if (method === 'DELETE') {
      this.uploads.delete(id);
      return this.send(req, res, 204);
    }
    if (method === 'GET') {
      return this.send(req, res, 204, {
        Range: `0-${Math.max(0, upload.size - 1)}`,
        Location: `/v2/${repo}/blobs/uploads/${id}?_state=s${upload.size}`,
        'Docker-Upload-UUID': id,
      });
    }
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0;
    if (hasBody) {
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    }
    let body: Buffer;
    try {
      if (this.opts.slowUploadsMs)
        await new Promise((resolve) => setTimeout(resolve, this.opts.slowUploadsMs));
      body = await this.readBody(req);
    } finally {
      if (hasBody) this.inFlight--;
    }
    if (method === 'PATCH') {
      const cr = /^(\d+)-(\d+)$/.exec(String(req.headers['content-range'] ?? ''));
      if (cr && Number(cr[1]) !== upload.size) {
        return this.send(req, res, 416, { Range: `0-${upload.size - 1}` }, '', body.length);
      }
      const firstChunk = upload.size === 0;
      if (!this.opts.staleRange || firstChunk) {
        upload.data.push(body);
        upload.size += body.length;
      }
      return this.send(
        req,
        res,
        202,
        { Location: `/v2/${repo}/blobs/uploads/${id}?_state=s${upload.size}`, Range: `0-${upload.size - 1}` },
        undefined,
        body.length,
      );
    }
    if (method === 'PUT') {
      const digest = url.searchParams.get('digest') ?? '';
      const data = Buffer.concat([...upload.data, body]);
      if (sha256(data) !== digest) {
        return this.error(
          req,
          res,
          400,
          'DIGEST_INVALID',
          'provided digest did not match uploaded content',
          body.length,
        );
      }
      this.uploads.delete(id);
      this.blobs.set(digest, data);
      this.repoSet(repo).add(digest);
      return this.send(
        req,
        res,
        201,
        { 'Docker-Content-Digest': digest, Location: `/v2/${repo}/blobs/${digest}` },
        undefined,
        body.length,
      );
    }
    return this.error(req, res, 405, 'UNSUPPORTED', 'method not allowed', body.length);
  }
}
