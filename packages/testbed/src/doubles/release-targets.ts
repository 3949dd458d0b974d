import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ServerTls } from '../tls.ts';
import { listen, readBody, sendJson } from './http-double.ts';

/** One answer of the version service. */
export interface VersionAnswer {
  status?: number;
  /** Sent as application/json. */
  json?: unknown;
  /** Sent as text/plain (when json is not given). */
  text?: string;
  headers?: Record<string, string>;
}

/** An HTTP(S) service that reports a version, for await-release's url mode. */
export interface VersionService {
  /** `http://127.0.0.1:PORT/` (https with `tls`) — the port stays the same across down() / up(). */
  url: string;
  /**
   * The answers of a path, in order: the n-th GET gets the n-th answer, the last one repeats.
   * Scripting answers per request keeps tests independent of how fast anything runs.
   */
  script(path: string, answers: VersionAnswer[]): void;
  /** Requests received per path. */
  hits(path: string): number;
  /** Stops listening (connections are refused) until up(). */
  down(): Promise<void>;
  up(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the version service on a free 127.0.0.1 port; `listening: false` starts it down; with
 * `tls` it serves HTTPS with that certificate.
 */
export async function startVersionService(
  opts: { listening?: boolean; tls?: ServerTls } = {},
): Promise<VersionService> {
  const scripts = new Map<string, VersionAnswer[]>();
  const counts = new Map<string, number>();
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const n = counts.get(path) ?? 0;
    counts.set(path, n + 1);
    const answers = scripts.get(path);
    const answer = answers?.[Math.min(n, answers.length - 1)];
    if (!answer) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const status = answer.status ?? 200;
    if (answer.json !== undefined) {
      res
        .writeHead(status, { 'content-type': 'application/json', ...answer.headers })
        .end(JSON.stringify(answer.json));
    } else {
      res.writeHead(status, { 'content-type': 'text/plain', ...answer.headers }).end(answer.text ?? '');
    }
  };
  let server: Server | undefined;
  let port = 0;
  const up = async () => {
    if (server) return;
    const s = opts.tls
      ? createHttpsServer(
          { cert: readFileSync(opts.tls.certFile), key: readFileSync(opts.tls.keyFile) },
          handler,
        )
      : createServer(handler);
    s.keepAliveTimeout = 1000;
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
    });
    port = (s.address() as AddressInfo).port;
    server = s;
  };
  const down = async () => {
    const s = server;
    server = undefined;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  };
  await up();
  if (opts.listening === false) await down();
  return {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}/`,
    script: (path, answers) => {
      if (!answers.length) throw new Error('script needs at least one answer');
      scripts.set(path, answers);
      counts.set(path, 0);
    },
    hits: (path) => counts.get(path) ?? 0,
    down,
    up,
    stop: down,
  };
}

/** The parts of an Argo CD Application the stand-in serves (status as the API reports it). */
export interface ArgoApplicationState {
  sync: { status: 'Synced' | 'OutOfSync' | 'Unknown'; revision?: string };
  health: {
    status: 'Healthy' | 'Progressing' | 'Degraded' | 'Suspended' | 'Missing' | 'Unknown';
    message?: string;
  };
  operationState?: {
    phase: 'Running' | 'Succeeded' | 'Failed' | 'Error' | 'Terminating';
    message?: string;
    syncResult?: {
      revision: string;
      resources?: { kind: string; name: string; namespace?: string; status: string; message?: string }[];
    };
  };
  resources?: {
    group?: string;
    version?: string;
    kind: string;
    namespace?: string;
    name: string;
    status?: string;
    health?: { status: string; message?: string };
  }[];
}

/** An Argo CD API stand-in: `GET /api/v1/applications/<name>` with a Bearer token. */
export interface ArgoCdStandIn {
  /** `http://127.0.0.1:PORT` (https with `tls`; no trailing slash), the server input. */
  url: string;
  /** The token it accepts. */
  token: string;
  /** The states of an application, in order: the n-th GET sees the n-th, the last one repeats. */
  script(application: string, states: ArgoApplicationState[]): void;
  hits(application: string): number;
  /** Authorization headers received (to check the token travelled only there). */
  authorizations(): string[];
  stop(): Promise<void>;
}

/**
 * Starts the Argo CD stand-in. Answers like Argo CD's API server: 401 `invalid session` without a
 * valid token, 404 `applications.argoproj.io "<name>" not found` for an unknown application.
 * With `tls`, it serves HTTPS with that certificate, as Argo CD's API server does.
 */
export async function startArgoCdStandIn(
  opts: { token?: string; tls?: ServerTls } = {},
): Promise<ArgoCdStandIn> {
  const token = opts.token ?? `argocd-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
  const apps = new Map<string, ArgoApplicationState[]>();
  const counts = new Map<string, number>();
  const auths: string[] = [];
  const double = await listen(async (req, res) => {
    await readBody(req);
    auths.push(String(req.headers.authorization ?? ''));
    const m = /^\/api\/v1\/applications\/([^/?]+)/.exec(req.url ?? '');
    if (req.method !== 'GET' || !m)
      return sendJson(res, 404, { error: 'Not Found', code: 5, message: 'Not Found' });
    if (req.headers.authorization !== `Bearer ${token}`) {
      return sendJson(res, 401, {
        error: 'invalid session: token signature is invalid',
        code: 16,
        message: 'invalid session: token signature is invalid',
      });
    }
    const name = decodeURIComponent(m[1] ?? '');
    const states = apps.get(name);
    if (!states) {
      const message = `applications.argoproj.io "${name}" not found`;
      return sendJson(res, 404, { error: message, code: 5, message });
    }
    const n = counts.get(name) ?? 0;
    counts.set(name, n + 1);
    const state = states[Math.min(n, states.length - 1)] as ArgoApplicationState;
    sendJson(res, 200, {
      metadata: { name, namespace: 'argocd' },
      spec: {
        project: 'default',
        source: { repoURL: 'https://github.com/acme/shop-deploy', path: 'k8s', targetRevision: 'main' },
      },
      status: { ...state, resources: state.resources ?? [] },
    });
  }, opts.tls);
  return {
    url: double.url.replace(/\/$/, ''),
    token,
    script: (application, states) => {
      if (!states.length) throw new Error('script needs at least one state');
      apps.set(application, states);
      counts.set(application, 0);
    },
    hits: (application) => counts.get(application) ?? 0,
    authorizations: () => [...auths],
    stop: () => double.stop(),
  };
}
