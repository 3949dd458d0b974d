import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, mkdirSync, rmSync } from 'node:fs';
import { open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { ServerTls } from '../tls.ts';
import {
  FailureInjector,
  listen,
  parseBody,
  readBody,
  sendJson,
  sendText,
  type RecordedRequest,
  type RunningDouble,
} from './http-double.ts';

/** One cache entry as the control API reports it. */
export interface CacheEntryInfo {
  id: number;
  key: string;
  version: string;
  /** Which protocol created it. */
  protocol: 'v1' | 'v2';
  /** Bytes stored (0 until uploaded). */
  size: number;
  /** True once committed (v1) or finalized (v2); only those are found by restores. */
  committed: boolean;
  /** ISO time of the commit/finalize (creation time until then). */
  createdAt: string;
}

interface Entry extends CacheEntryInfo {
  file: string;
  blobName: string;
  uploadSig: string;
  downloadSig: string;
  /** Highest byte written + 1 (v1 chunked uploads). */
  written: number;
  /** Ordinal used to order entries committed within the same millisecond. */
  seq: number;
  /** Staged Azure blocks (Put Block), by block id. */
  blocks: Map<string, string>;
}

const TWIRP_PREFIX = '/twirp/github.actions.results.api.v1.CacheService/';
const V1_PREFIX = '/_apis/artifactcache/';
const BLOB_PREFIX = '/_blob/devstoreaccount1/actions-cache/';
const MAX_V1_SIZE = 10 * 1024 * 1024 * 1024;

/**
 * The GitHub Actions cache service double, for the real `@actions/cache`:
 * - v1 (`ACTIONS_CACHE_URL`): `_apis/artifactcache/cache?keys=&version=`, POST `caches`,
 *   PATCH `caches/:id` with Content-Range, POST `caches/:id` to commit;
 * - v2 (`ACTIONS_RESULTS_URL` + `ACTIONS_CACHE_SERVICE_V2`): Twirp JSON CacheService
 *   (CreateCacheEntry, FinalizeCacheEntryUpload, GetCacheEntryDownloadURL) with uploads to a
 *   signed Azure Blob URL (Put Blob, or Put Block + Put Block List for large files).
 * Downloads are plain GETs with Range support, as @actions/cache uses for non-Azure hosts.
 */
export class CacheDouble {
  readonly failures = new FailureInjector();
  requests: RecordedRequest[] = [];
  /** Base URL with trailing slash; set once the server listens. */
  baseUrl = '';
  private entries: Entry[] = [];
  private nextId = 1;
  private seq = 0;

  private readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
    mkdirSync(dir, { recursive: true });
  }

  /** Every entry, oldest first. */
  listEntries(): CacheEntryInfo[] {
    return this.entries.map(({ id, key, version, protocol, size, committed, createdAt }) => ({
      id,
      key,
      version,
      protocol,
      size,
      committed,
      createdAt,
    }));
  }

  reset(): void {
    for (const e of this.entries) this.removeFiles(e);
    this.entries = [];
    this.requests = [];
    this.failures.reset();
  }

  private removeFiles(e: Entry): void {
    rmSync(e.file, { force: true });
    for (const f of e.blocks.values()) rmSync(f, { force: true });
  }

  /**
   * GitHub's matching: for the primary key then each restore key in order, an exact key match
   * first, then the newest entry whose key starts with it — same version only.
   * https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/caching-dependencies-to-speed-up-workflows#matching-a-cache-key
   */
  findEntry(keys: string[], version: string): Entry | undefined {
    const candidates = this.entries
      .filter((e) => e.committed && e.version === version)
      .sort((a, b) => b.seq - a.seq);
    for (const key of keys) {
      const exact = candidates.find((e) => e.key === key);
      if (exact) return exact;
      const prefix = candidates.find((e) => e.key.startsWith(key));
      if (prefix) return prefix;
    }
    return undefined;
  }

  private create(key: string, version: string, protocol: 'v1' | 'v2'): Entry {
    const id = this.nextId++;
    const entry: Entry = {
      id,
      key,
      version,
      protocol,
      size: 0,
      committed: false,
      createdAt: new Date().toISOString(),
      file: join(this.dir, `${id}.bin`),
      blobName: `${id}-${randomUUID()}`,
      uploadSig: randomBytes(16).toString('base64url'),
      downloadSig: randomBytes(16).toString('base64url'),
      written: 0,
      seq: 0,
      blocks: new Map(),
    };
    this.entries.push(entry);
    return entry;
  }

  private commit(entry: Entry, size: number): void {
    // A newer save of the same key and version replaces the older one, as on GitHub.
    for (const old of this.entries.filter(
      (e) => e !== entry && e.committed && e.key === entry.key && e.version === entry.version,
    )) {
      this.removeFiles(old);
      this.entries = this.entries.filter((e) => e !== old);
    }
    entry.committed = true;
    entry.size = size;
    entry.seq = ++this.seq;
    entry.createdAt = new Date().toISOString();
  }

  private blobUrl(entry: Entry, mode: 'upload' | 'download'): string {
    const expiry = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const params = new URLSearchParams({
      sv: '2024-11-04',
      sr: 'b',
      sp: mode === 'upload' ? 'cw' : 'r',
      se: expiry,
      sig: mode === 'upload' ? entry.uploadSig : entry.downloadSig,
    });
    return `${this.baseUrl}${BLOB_PREFIX.slice(1)}${entry.blobName}?${params}`;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://double');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const raw = method === 'GET' || method === 'HEAD' ? Buffer.alloc(0) : await readBody(req);
    if (path.startsWith('/_control/')) return this.control(method, path, raw, res);

    const record: RecordedRequest = {
      method,
      path: path + url.search,
      headers: req.headers,
      body: path.startsWith(BLOB_PREFIX)
        ? { bytes: raw.length }
        : (parseBody(raw, 'application/json') ?? raw.toString('utf8')),
      status: 0,
      at: new Date().toISOString(),
    };
    this.requests.push(record);
    const status = (code: number): void => {
      record.status = code;
    };

    const plan = this.failures.take(path);
    if (plan) {
      if (plan.status === 'hang') {
        status(0);
        return;
      }
      if (plan.status === 'reset' || plan.status === 0) {
        status(0);
        res.socket?.destroy();
        return;
      }
      status(plan.status);
      const headers: Record<string, string> = {};
      if (plan.retryAfter !== undefined || plan.status === 429)
        headers['retry-after'] = String(plan.retryAfter ?? 1);
      const msg = plan.error ?? 'injected failure';
      if (path.startsWith('/twirp/')) return sendJson(res, plan.status, { code: 'internal', msg }, headers);
      return sendJson(res, plan.status, { message: msg }, headers);
    }

    if (path.startsWith(BLOB_PREFIX)) return this.blob(req, res, url, raw, status);

    // The cache APIs authenticate the job with ACTIONS_RUNTIME_TOKEN as a bearer token.
    const bearer = req.headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (!bearer) {
      status(401);
      if (path.startsWith('/twirp/'))
        return sendJson(res, 401, { code: 'unauthenticated', msg: 'missing bearer token' });
      return sendJson(res, 401, { message: 'Authorization: Bearer token required' });
    }
    if (path.startsWith(TWIRP_PREFIX) && method === 'POST') {
      return this.twirp(path.slice(TWIRP_PREFIX.length), raw, res, status);
    }
    if (path.startsWith(V1_PREFIX))
      return this.v1(method, path.slice(V1_PREFIX.length), url, req, raw, res, status);
    status(404);
    if (path.startsWith('/twirp/'))
      return sendJson(res, 404, { code: 'bad_route', msg: `no handler for ${path}` });
    sendJson(res, 404, { message: `no route for ${method} ${path}` });
  }

  private async v1(
    method: string,
    resource: string,
    url: URL,
    req: IncomingMessage,
    raw: Buffer,
    res: ServerResponse,
    status: (code: number) => void,
  ): Promise<void> {
    const reply = (code: number, body?: unknown): void => {
      status(code);
      if (body === undefined) {
        res.writeHead(code);
        res.end();
      } else sendJson(res, code, body);
    };
    if (method === 'GET' && resource === 'cache') {
      const keys = (url.searchParams.get('keys') ?? '').split(',').filter(Boolean);
      const version = url.searchParams.get('version') ?? '';
      if (!keys.length || !version) return reply(400, { message: 'keys and version are required' });
      const entry = this.findEntry(keys, version);
      if (!entry) return reply(204);
      return reply(200, {
        cacheKey: entry.key,
        scope: 'refs/heads/main',
        cacheVersion: entry.version,
        creationTime: entry.createdAt,
        archiveLocation: this.blobUrl(entry, 'download'),
      });
    }
    if (method === 'GET' && resource === 'caches') {
      const key = url.searchParams.get('key') ?? '';
      const found = this.entries.filter((e) => e.committed && e.key === key);
      return reply(200, {
        totalCount: found.length,
        artifactCaches: found.map((e) => ({
          cacheKey: e.key,
          cacheVersion: e.version,
          scope: 'refs/heads/main',
          creationTime: e.createdAt,
        })),
      });
    }
    if (method === 'POST' && resource === 'caches') {
      const body = parseBody(raw, 'application/json');
      const key = typeof body?.key === 'string' ? body.key : '';
      const version = typeof body?.version === 'string' ? body.version : '';
      if (!key || !version) return reply(400, { message: 'key and version are required' });
      const size = typeof body?.cacheSize === 'number' ? body.cacheSize : 0;
      if (size > MAX_V1_SIZE)
        return reply(400, {
          message: `Cache size of ~${Math.round(size / 1048576)} MB is over the 10GB limit`,
        });
      if (this.entries.some((e) => e.key === key && e.version === version)) {
        return reply(409, {
          message: `Cache already exists. Scope: refs/heads/main, Key: ${key}, Version: ${version}`,
        });
      }
      const entry = this.create(key, version, 'v1');
      await writeFile(entry.file, '');
      return reply(201, { cacheId: entry.id });
    }
    const idMatch = resource.match(/^caches\/(\d+)$/);
    const entry = idMatch
      ? this.entries.find((e) => e.id === Number(idMatch[1]) && e.protocol === 'v1')
      : undefined;
    if (idMatch && !entry) return reply(404, { message: `cache ${idMatch[1]} not found` });
    if (entry && method === 'PATCH') {
      if (entry.committed) return reply(409, { message: 'cache is already committed' });
      const range = req.headers['content-range']?.match(/^bytes (\d+)-(\d+)\/(\*|\d+)$/);
      if (!range) return reply(400, { message: 'Content-Range: bytes start-end/* is required' });
      const start = Number(range[1]);
      const end = Number(range[2]);
      if (end - start + 1 !== raw.length) {
        return reply(400, {
          message: `Content-Range covers ${end - start + 1} bytes but the body has ${raw.length}`,
        });
      }
      const fh = await open(entry.file, 'r+');
      try {
        await fh.write(raw, 0, raw.length, start);
      } finally {
        await fh.close();
      }
      entry.written = Math.max(entry.written, end + 1);
      return reply(204);
    }
    if (entry && method === 'POST') {
      const body = parseBody(raw, 'application/json');
      const size = typeof body?.size === 'number' ? body.size : -1;
      const actual = (await stat(entry.file)).size;
      if (size !== actual)
        return reply(400, { message: `size ${size} does not match the ${actual} bytes uploaded` });
      this.commit(entry, actual);
      return reply(204);
    }
    reply(404, { message: `no route for ${method} ${resource}` });
  }

  private async twirp(
    method: string,
    raw: Buffer,
    res: ServerResponse,
    status: (code: number) => void,
  ): Promise<void> {
    const reply = (code: number, body: unknown): void => {
      status(code);
      sendJson(res, code, body);
    };
    const body = parseBody(raw, 'application/json');
    if (!body) return reply(400, { code: 'malformed', msg: 'the request body is not a JSON object' });
    const key = typeof body.key === 'string' ? body.key : '';
    const version = typeof body.version === 'string' ? body.version : '';
    if (!key || !version)
      return reply(400, { code: 'invalid_argument', msg: 'key and version are required' });
    switch (method) {
      case 'CreateCacheEntry': {
        if (this.entries.some((e) => e.key === key && e.version === version && e.committed)) {
          return reply(409, {
            code: 'already_exists',
            msg: 'cache entry with the same key, version, and scope already exists',
          });
        }
        // An unfinished upload of the same key is replaced, as the service does on retries.
        for (const stale of this.entries.filter(
          (e) => e.key === key && e.version === version && e.protocol === 'v2',
        )) {
          this.removeFiles(stale);
        }
        this.entries = this.entries.filter(
          (e) => !(e.key === key && e.version === version && e.protocol === 'v2'),
        );
        const entry = this.create(key, version, 'v2');
        return reply(200, { ok: true, signed_upload_url: this.blobUrl(entry, 'upload') });
      }
      case 'FinalizeCacheEntryUpload': {
        const entry = this.entries.find(
          (e) => e.key === key && e.version === version && e.protocol === 'v2' && !e.committed,
        );
        if (!entry)
          return reply(200, {
            ok: false,
            entry_id: '0',
            message: 'no cache entry is being uploaded for this key',
          });
        const size = Number(body.size_bytes ?? -1);
        let actual: number;
        try {
          actual = (await stat(entry.file)).size;
        } catch {
          return reply(200, { ok: false, entry_id: '0', message: 'nothing was uploaded to the signed URL' });
        }
        if (size !== actual) {
          return reply(200, {
            ok: false,
            entry_id: '0',
            message: `size_bytes ${size} does not match the ${actual} bytes uploaded`,
          });
        }
        this.commit(entry, actual);
        return reply(200, { ok: true, entry_id: String(entry.id) });
      }
      case 'GetCacheEntryDownloadURL': {
        const restoreKeys = Array.isArray(body.restore_keys)
          ? body.restore_keys.filter((k) => typeof k === 'string')
          : [];
        const entry = this.findEntry([key, ...restoreKeys], version);
        if (!entry) return reply(200, { ok: false, signed_download_url: '', matched_key: '' });
        return reply(200, {
          ok: true,
          signed_download_url: this.blobUrl(entry, 'download'),
          matched_key: entry.key,
        });
      }
      default:
        return reply(404, { code: 'bad_route', msg: `no handler for CacheService/${method}` });
    }
  }

  private azureError(
    res: ServerResponse,
    code: number,
    errorCode: string,
    message: string,
    status: (c: number) => void,
  ): void {
    status(code);
    res.writeHead(code, { 'content-type': 'application/xml', 'x-ms-error-code': errorCode });
    res.end(
      `<?xml version="1.0" encoding="utf-8"?><Error><Code>${errorCode}</Code><Message>${message}</Message></Error>`,
    );
  }

  private async blob(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    raw: Buffer,
    status: (code: number) => void,
  ): Promise<void> {
    const name = decodeURIComponent(url.pathname.slice(BLOB_PREFIX.length));
    const entry = this.entries.find((e) => e.blobName === name);
    const sig = url.searchParams.get('sig');
    const method = req.method ?? 'GET';
    const write = method === 'PUT';
    if (!entry || !sig || sig !== (write ? entry.uploadSig : entry.downloadSig)) {
      return this.azureError(
        res,
        403,
        'AuthenticationFailed',
        'Server failed to authenticate the request.',
        status,
      );
    }
    const azureHeaders = (): Record<string, string> => ({
      'x-ms-request-id': randomUUID(),
      'x-ms-version': '2024-11-04',
      date: new Date().toUTCString(),
    });
    if (write) {
      if (entry.committed)
        return this.azureError(res, 409, 'BlobImmutableDueToPolicy', 'The entry is finalized.', status);
      const comp = url.searchParams.get('comp');
      if (comp === 'block') {
        // https://learn.microsoft.com/rest/api/storageservices/put-block
        const blockId = url.searchParams.get('blockid');
        if (!blockId)
          return this.azureError(res, 400, 'InvalidQueryParameterValue', 'blockid is required', status);
        const file = `${entry.file}.block-${createHash('sha256').update(blockId).digest('hex').slice(0, 16)}`;
        await writeFile(file, raw);
        entry.blocks.set(blockId, file);
      } else if (comp === 'blocklist') {
        // https://learn.microsoft.com/rest/api/storageservices/put-block-list
        const ids = [...raw.toString('utf8').matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]*)<\//g)].map(
          (m) => m[1] ?? '',
        );
        const parts: Buffer[] = [];
        for (const id of ids) {
          const file = entry.blocks.get(id);
          if (!file)
            return this.azureError(res, 400, 'InvalidBlockList', `block ${id} was not uploaded`, status);
          parts.push(await readFile(file));
        }
        await writeFile(entry.file, Buffer.concat(parts));
        for (const f of entry.blocks.values()) await rm(f, { force: true });
        entry.blocks.clear();
      } else if (!comp) {
        // https://learn.microsoft.com/rest/api/storageservices/put-blob
        if (req.headers['x-ms-blob-type'] !== 'BlockBlob') {
          return this.azureError(
            res,
            400,
            'MissingRequiredHeader',
            'x-ms-blob-type: BlockBlob is required',
            status,
          );
        }
        await writeFile(entry.file, raw);
      } else {
        return this.azureError(
          res,
          400,
          'InvalidQueryParameterValue',
          `comp=${comp} is not supported`,
          status,
        );
      }
      status(201);
      res.writeHead(201, {
        ...azureHeaders(),
        etag: `"0x${randomBytes(8).toString('hex').toUpperCase()}"`,
        'last-modified': new Date().toUTCString(),
        'x-ms-request-server-encrypted': 'true',
        ...(comp ? {} : { 'content-md5': createHash('md5').update(raw).digest('base64') }),
      });
      res.end();
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      return this.azureError(res, 405, 'UnsupportedHttpVerb', `${method} is not supported`, status);
    }
    if (!entry.committed)
      return this.azureError(res, 404, 'BlobNotFound', 'The specified blob does not exist.', status);
    const size = entry.size;
    const headers: Record<string, string> = {
      ...azureHeaders(),
      'content-type': 'application/octet-stream',
      'accept-ranges': 'bytes',
      'x-ms-blob-type': 'BlockBlob',
    };
    const range = req.headers.range?.match(/^bytes=(\d*)-(\d*)$/);
    let start = 0;
    let end = size - 1;
    let code = 200;
    if (range && (range[1] || range[2])) {
      if (range[1]) {
        start = Number(range[1]);
        end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      } else {
        start = Math.max(0, size - Number(range[2]));
      }
      if (start >= size || start > end) {
        status(416);
        res.writeHead(416, { ...headers, 'content-range': `bytes */${size}` });
        res.end();
        return;
      }
      code = 206;
      headers['content-range'] = `bytes ${start}-${end}/${size}`;
    }
    headers['content-length'] = String(size === 0 ? 0 : end - start + 1);
    status(code);
    res.writeHead(code, headers);
    if (method === 'HEAD' || size === 0) {
      res.end();
      return;
    }
    createReadStream(entry.file, { start, end }).pipe(res);
  }

  private control(method: string, path: string, raw: Buffer, res: ServerResponse): void {
    if (method === 'GET' && path === '/_control/entries') return sendJson(res, 200, this.listEntries());
    if (method === 'GET' && path === '/_control/requests') return sendJson(res, 200, this.requests);
    if (method === 'POST' && path === '/_control/reset') {
      this.reset();
      return sendJson(res, 200, { ok: true });
    }
    if (method === 'POST' && path === '/_control/fail') {
      try {
        const plan = parseBody(raw, 'application/json');
        if (!plan) throw new Error('body must be JSON {times, status, retryAfter?, error?, match?}');
        this.failures.add(plan as never);
      } catch (err) {
        return sendJson(res, 400, { ok: false, error: (err as Error).message });
      }
      return sendJson(res, 200, { ok: true });
    }
    sendText(res, 404, 'unknown control endpoint');
  }
}

/** A running cache-service double. */
export interface CacheDoubleServer extends RunningDouble {
  double: CacheDouble;
}

/**
 * Starts the cache-service double on a free 127.0.0.1 port, storing archives under `dir`.
 * Use `url` (with trailing slash) as both ACTIONS_CACHE_URL (v1) and ACTIONS_RESULTS_URL (v2).
 * With `tls`, it serves HTTPS with that certificate (its signed upload and download URLs too).
 * `host` binds another IPv4 address of this machine: `@actions/cache` never sends loopback
 * requests through a proxy, so proving that it honours HTTPS_PROXY needs a non-loopback address.
 */
export async function startCacheDouble(
  dir: string,
  opts: { tls?: ServerTls; host?: string } = {},
): Promise<CacheDoubleServer> {
  const double = new CacheDouble(dir);
  const running = await listen((req, res) => double.handle(req, res), opts.tls, opts.host);
  double.baseUrl = running.url;
  return { ...running, double };
}
