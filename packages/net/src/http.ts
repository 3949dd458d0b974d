import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';

/** One HTTP request; `body` is streamed when it is a Readable (never buffered whole). */
export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string | number>;
  body?: Buffer | string | Readable;
  /** Abort when the connection is idle this long (default 120 s). */
  idleTimeoutMs?: number;
  /** Abort the request (and the response body) when this signal fires. */
  signal?: AbortSignal;
}

/** A response whose body has not been read yet. */
export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  url: URL;
  body: IncomingMessage;
}

/** An error for a connection that went idle too long; `code` makes it count as transient. */
class IdleTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
}

/**
 * Sends a request through `agent` (the run's ProxyAwareAgent). The promise settles on the response
 * headers: a server that answers early (a 401 before the body was sent) is seen at once, and a body
 * that fails to stream rejects.
 */
export function sendRequest(req: HttpRequest, agent: http.Agent): Promise<HttpResponse> {
  return new Promise((resolvePromise, reject) => {
    const isHttps = req.url.protocol === 'https:';
    const headers: Record<string, string | number> = { ...req.headers };
    if (Buffer.isBuffer(req.body) || typeof req.body === 'string') {
      headers['Content-Length'] = Buffer.byteLength(req.body);
    }
    const request = (isHttps ? https : http).request(req.url, {
      method: req.method,
      headers,
      agent,
      signal: req.signal,
    });
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      if (req.body && typeof req.body === 'object' && 'destroy' in req.body) (req.body as Readable).destroy();
      reject(err);
    };
    request.setTimeout(req.idleTimeoutMs ?? 120_000, () =>
      request.destroy(
        new IdleTimeoutError(`no data from ${req.url.host} for ${(req.idleTimeoutMs ?? 120_000) / 1000} s`),
      ),
    );
    request.on('error', fail);
    request.on('response', (res) => {
      if (settled) {
        res.resume();
        return;
      }
      settled = true;
      res.on('error', () => {});
      resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, url: req.url, body: res });
    });
    if (req.body === undefined) request.end();
    else if (Buffer.isBuffer(req.body) || typeof req.body === 'string') request.end(req.body);
    else {
      // A server may answer before the body is complete (an error status); the body keeps
      // streaming until the server closes, and a late failure has nobody left to tell.
      pipeline(req.body, request, (err) => {
        if (err && !settled) {
          request.destroy(err);
          fail(err);
        }
      });
    }
  });
}

/** Reads a response body into memory, refusing more than `limit` bytes (manifests, errors, tokens). */
export async function readBody(res: HttpResponse, limit = 8 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      res.body.destroy();
      throw new Error(`the response from ${res.url.host} is larger than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Drains a response body so its connection returns to the pool. */
export async function discardBody(res: HttpResponse): Promise<void> {
  if (res.body.readableEnded) return;
  res.body.resume();
  await new Promise<void>((done) => {
    res.body.once('end', done);
    res.body.once('close', done);
    res.body.once('error', () => done());
  });
}

/** A single header value (first of a repeated header). */
export function header(res: { headers: IncomingHttpHeaders }, name: string): string | undefined {
  const value = res.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
