import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/** A request a double received, as the control API reports it. */
export interface RecordedRequest {
  method: string;
  /** Path with query string. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed body (JSON or form fields) or the raw text; bodies of binary uploads are summarised. */
  body: unknown;
  /** Status the double answered with (0 = connection reset). */
  status: number;
  at: string;
}

/**
 * Planned failures (`POST /_control/fail`): the next `times` matching requests fail with `status`
 * (429 carries `Retry-After: retryAfter`), or the connection is reset when status is 0 or 'reset',
 * or no answer ever comes when status is 'hang' (until the client gives up and closes it).
 */
export interface FailurePlan {
  times: number;
  status: number | 'reset' | 'hang';
  retryAfter?: number;
  /** Error code for the body (Slack: `{ok:false,error}`; webhooks: the text). */
  error?: string;
  /** Only requests whose path starts with this prefix fail (default: every non-control request). */
  match?: string;
}

/** Reads a whole request body. */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Sends a JSON reply. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(text);
}

/** Sends a text reply. */
export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(text);
}

/** Parses a JSON or x-www-form-urlencoded body into an object (form fields stay strings). */
export function parseBody(raw: Buffer, contentType: string | undefined): Record<string, unknown> | undefined {
  const text = raw.toString('utf8');
  if (!text) return {};
  if (contentType?.includes('application/json')) {
    try {
      const parsed: unknown = JSON.parse(text);
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : undefined;
    } catch {
      return undefined;
    }
  }
  return Object.fromEntries(new URLSearchParams(text));
}

/** Failure injection shared by the doubles. */
export class FailureInjector {
  private plans: FailurePlan[] = [];

  add(plan: FailurePlan): void {
    if (!Number.isInteger(plan.times) || plan.times < 1) throw new Error('times must be a positive integer');
    this.plans.push({ ...plan });
  }

  reset(): void {
    this.plans = [];
  }

  /** Takes one planned failure matching this path, if any. */
  take(path: string): FailurePlan | undefined {
    const plan = this.plans.find((p) => p.times > 0 && (!p.match || path.startsWith(p.match)));
    if (!plan) return undefined;
    plan.times--;
    this.plans = this.plans.filter((p) => p.times > 0);
    return plan;
  }
}

/** A started in-process double. */
export interface RunningDouble {
  /** `http://127.0.0.1:PORT/` (with the trailing slash; https when started with a certificate). */
  url: string;
  server: Server;
  stop(): Promise<void>;
}

/**
 * Starts an HTTP server on a free 127.0.0.1 port (HTTPS with `tls`, a certificate and its key);
 * `handler` errors become 500s. `host` binds another address of this machine instead (an IPv4
 * address: clients that never proxy loopback, such as @actions/http-client, then can be proxied).
 */
export async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  tls?: { certFile: string; keyFile: string },
  host = '127.0.0.1',
): Promise<RunningDouble> {
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    handler(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: String(err) });
      else res.destroy();
    });
  };
  const server: Server = tls
    ? createHttpsServer({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }, onRequest)
    : createServer(onRequest);
  // Keep-alive sockets would hold close() open; the clients (SDKs) reconnect as needed.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://${host}:${port}/`,
    server,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
