import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
  appendFileSync,
  chmodSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ComponentStartError } from '../process.ts';
import { findExecutable } from '../paths.ts';
import { listen, sendText } from '../doubles/http-double.ts';
import type { ServerTls } from '../tls.ts';

/** What a token may do in one repository. */
export type GitAccess = 'read' | 'write';

/** A running smart-HTTP Git server: Debian's `git http-backend` behind a token-checking front. */
export interface GitServer {
  /** `http://127.0.0.1:P/` (https with `tls`); repositories at `url + 'owner/name.git'`. */
  url: string;
  /** Folder of the bare repositories (`<root>/<owner>/<name>.git`). */
  root: string;
  stop(): Promise<void>;
}

/** The file in a bare repository that lists the tokens the front accepts for it. */
const ACCESS_FILE = 'slipway-access.json';
/** With this file (`size rounds`), fetches of the repository wait for each other (see fetchBarrier). */
const FETCH_BARRIER_FILE = 'slipway-fetch-barrier';

const barriers = new Map<string, { waiting: (() => void)[]; released: number }>();

/**
 * Holds a fetch until `size` fetches of the repository are waiting, then lets them all go, for the
 * first `rounds` groups (later fetches pass at once; a group not filled within `timeoutMs` goes
 * anyway). Concurrent publishers then all start from the same tip, so every push but the first is
 * refused as non-fast-forward: the race made certain instead of left to timing.
 */
function fetchBarrier(repoDir: string, size: number, rounds: number, timeoutMs: number): Promise<void> {
  const state = barriers.get(repoDir) ?? { waiting: [], released: 0 };
  barriers.set(repoDir, state);
  if (state.released >= rounds) return Promise.resolve();
  return new Promise((resolve) => {
    const release = () => {
      const group = state.waiting;
      state.waiting = [];
      state.released++;
      for (const go of group) go();
    };
    const timer = setTimeout(release, timeoutMs);
    state.waiting.push(() => {
      clearTimeout(timer);
      resolve();
    });
    if (state.waiting.length >= size) release();
  });
}

function tokenOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const basic = /^Basic\s+(\S+)$/i.exec(header);
  if (basic?.[1]) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const sep = decoded.indexOf(':');
    // GitHub takes the token as the password with any user name (x-access-token), or alone as the user.
    return sep < 0 ? decoded : decoded.slice(sep + 1) || decoded.slice(0, sep);
  }
  const bearer = /^(?:Bearer|token)\s+(\S+)$/i.exec(header);
  return bearer?.[1];
}

/** Splits a CGI response (headers, blank line, body) as http-backend writes it. */
function splitCgi(buffer: Buffer): { head: string; rest: Buffer } | undefined {
  const crlf = buffer.indexOf('\r\n\r\n');
  const lf = buffer.indexOf('\n\n');
  const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf + 4 : lf >= 0 ? lf + 2 : -1;
  if (end < 0) return undefined;
  return { head: buffer.subarray(0, end).toString('latin1'), rest: buffer.subarray(end) };
}

/**
 * Starts `git http-backend` (CGI, from Debian's git) behind a small HTTP front on 127.0.0.1 that
 * checks Basic or Bearer tokens the way GitHub does: no or unknown token → 401 with a Basic
 * challenge, a read token pushing → 403 "Permission to … denied". Each repository lists its tokens
 * in `slipway-access.json` (see {@link createGitRepository}); requests are logged without them.
 * With `tls`, the front serves HTTPS with that certificate (git then has to trust its CA).
 */
export async function startGitServer(opts: {
  root: string;
  logFile?: string;
  tls?: ServerTls;
}): Promise<GitServer> {
  if (!findExecutable('git'))
    throw new ComponentStartError('git', 'git is not installed (apt-get install git)');
  mkdirSync(opts.root, { recursive: true });
  const logLine = (line: string) => {
    if (opts.logFile) appendFileSync(opts.logFile, `${new Date().toISOString()} ${line}\n`);
  };
  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const match = /^\/([^/]+)\/([^/]+\.git)(\/.*)$/.exec(url.pathname);
    const repoDir = match ? join(opts.root, match[1] ?? '', match[2] ?? '') : '';
    const scheme = (req.headers.authorization ?? '').split(' ')[0] || 'none';
    const done = (status: number) =>
      logLine(`${req.method} ${url.pathname}${url.search} auth=${scheme} → ${status}`);
    if (
      !match ||
      !existsSync(join(repoDir, ACCESS_FILE)) ||
      match[2]?.includes('..') ||
      match[1]?.includes('..')
    ) {
      sendText(res, 404, 'Repository not found.\n');
      return done(404);
    }
    const access = JSON.parse(readFileSync(join(repoDir, ACCESS_FILE), 'utf8')) as {
      tokens: Record<string, GitAccess>;
    };
    const token = tokenOf(req.headers.authorization);
    const grant = token ? access.tokens[token] : undefined;
    if (!grant) {
      sendText(
        res,
        401,
        'Invalid username or token. Password authentication is not supported for Git operations.\n',
        {
          'www-authenticate': 'Basic realm="GitHub"',
        },
      );
      return done(401);
    }
    const push = match[3] === '/git-receive-pack' || url.searchParams.get('service') === 'git-receive-pack';
    if (push && grant !== 'write') {
      sendText(
        res,
        403,
        `Permission to ${match[1]}/${match[2]?.replace(/\.git$/, '')}.git denied to slipway-reader.\n`,
      );
      return done(403);
    }
    const barrierFile = join(repoDir, FETCH_BARRIER_FILE);
    if (req.method === 'POST' && match[3] === '/git-upload-pack' && existsSync(barrierFile)) {
      const [size = 2, rounds = 2] = readFileSync(barrierFile, 'utf8').split(' ').map(Number);
      await fetchBarrier(repoDir, size, rounds, 30_000);
    }
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: opts.root,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: url.pathname,
      QUERY_STRING: url.search.replace(/^\?/, ''),
      REQUEST_METHOD: req.method ?? 'GET',
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      REMOTE_USER: `slipway-${grant}`,
      REMOTE_ADDR: '127.0.0.1',
      GIT_HTTP_MAX_REQUEST_BUFFER: '100M',
    };
    if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length'];
    if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = req.headers['content-encoding'];
    const protocol = req.headers['git-protocol'];
    if (typeof protocol === 'string') env.GIT_PROTOCOL = protocol;
    await new Promise<void>((resolve) => {
      const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
      let pending: Buffer = Buffer.alloc(0);
      let headersSent = false;
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdout.on('data', (chunk: Buffer) => {
        if (headersSent) {
          res.write(chunk);
          return;
        }
        pending = Buffer.concat([pending, chunk]);
        const split = splitCgi(pending);
        if (!split) return;
        headersSent = true;
        let status = 200;
        const headers: Record<string, string> = {};
        for (const line of split.head.split(/\r?\n/)) {
          const sep = line.indexOf(':');
          if (sep < 0) continue;
          const key = line.slice(0, sep).trim();
          const value = line.slice(sep + 1).trim();
          if (key.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 200;
          else headers[key] = value;
        }
        res.writeHead(status, headers);
        if (split.rest.length) res.write(split.rest);
        done(status);
      });
      child.on('close', () => {
        if (!headersSent) {
          sendText(res, 500, `git http-backend failed: ${stderr}`);
          done(500);
        } else res.end();
        if (stderr.trim()) logLine(`http-backend: ${stderr.trim()}`);
        resolve();
      });
      child.on('error', () => undefined);
      child.stdin.on('error', () => undefined);
      req.pipe(child.stdin);
    });
  };
  const server = await listen(handler, opts.tls);
  return { url: server.url, root: opts.root, stop: server.stop };
}

/** Options for {@link createGitRepository}. */
export interface CreateGitRepositoryOptions {
  /** Tokens the server accepts for this repository and what each may do. */
  tokens: Record<string, GitAccess>;
  /** Default branch (default main). */
  defaultBranch?: string;
  /** Files of a first commit on the default branch (path → content); none leaves the repository empty. */
  files?: Record<string, string>;
  /**
   * Branches a pre-receive hook refuses to update, with GitHub's own words
   * (`GH006: Protected branch update failed`).
   */
  protectedBranches?: string[];
  /**
   * Make concurrent fetches wait for each other in groups of `size`, for the first `rounds` groups
   * (a publish's ls-remote and its fetch are one round each): concurrent publishers then start from
   * the same tip.
   */
  fetchBarrier?: { size: number; rounds: number };
}

const quiet = { stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'] };

/**
 * Creates the bare repository `<root>/<owner>/<name>.git` the Git server serves at
 * `url + owner/name.git`: receive-pack on, the tokens listed, optionally seeded with a first
 * commit and with protected branches. Works from any process (it is all on disk).
 */
export function createGitRepository(
  root: string,
  fullName: string,
  opts: CreateGitRepositoryOptions,
): string {
  const dir = join(root, `${fullName}.git`);
  const branch = opts.defaultBranch ?? 'main';
  mkdirSync(dirname(dir), { recursive: true });
  execFileSync('git', ['init', '-q', '--bare', `--initial-branch=${branch}`, dir], quiet);
  execFileSync('git', ['--git-dir', dir, 'config', 'http.receivepack', 'true'], quiet);
  writeFileSync(join(dir, ACCESS_FILE), JSON.stringify({ tokens: opts.tokens }));
  if (opts.fetchBarrier) {
    writeFileSync(join(dir, FETCH_BARRIER_FILE), `${opts.fetchBarrier.size} ${opts.fetchBarrier.rounds}`);
  }
  if (opts.files && Object.keys(opts.files).length) {
    const work = mkdtempSync(join(tmpdir(), 'slipway-seed-'));
    try {
      execFileSync('git', ['init', '-q', `--initial-branch=${branch}`, work], quiet);
      for (const [path, content] of Object.entries(opts.files)) {
        mkdirSync(dirname(join(work, path)), { recursive: true });
        writeFileSync(join(work, path), content);
      }
      const env = {
        ...process.env,
        GIT_AUTHOR_NAME: 'Config Admin',
        GIT_AUTHOR_EMAIL: 'admin@example.com',
        GIT_COMMITTER_NAME: 'Config Admin',
        GIT_COMMITTER_EMAIL: 'admin@example.com',
      };
      execFileSync('git', ['-C', work, 'add', '-A'], { ...quiet, env });
      execFileSync('git', ['-C', work, 'commit', '-q', '-m', 'Initial config'], { ...quiet, env });
      execFileSync('git', ['-C', work, 'push', '-q', dir, `HEAD:refs/heads/${branch}`], { ...quiet, env });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  if (opts.protectedBranches?.length) {
    const refs = opts.protectedBranches.map((b) => `refs/heads/${b}`).join(' ');
    const hook = join(dir, 'hooks', 'pre-receive');
    writeFileSync(
      hook,
      `#!/bin/sh
# Refuses updates of protected branches with GitHub's message.
while read old new ref; do
  for p in ${refs}; do
    if [ "$ref" = "$p" ]; then
      echo "error: GH006: Protected branch update failed for $ref." >&2
      echo "error: Changes must be made through a pull request." >&2
      exit 1
    fi
  done
done
exit 0
`,
    );
    chmodSync(hook, 0o755);
  }
  return dir;
}

/** One commit of a repository, newest first in {@link gitLog}. */
export interface GitCommitInfo {
  sha: string;
  parents: string[];
  author: string;
  subject: string;
  body: string;
}

/** The commits reachable from `ref` in a bare repository, newest first ([] when the ref is missing). */
export function gitLog(dir: string, ref = 'main'): GitCommitInfo[] {
  let out: string;
  try {
    out = execFileSync(
      'git',
      ['--git-dir', dir, 'log', '-z', '--format=%H%x1f%P%x1f%an <%ae>%x1f%s%x1f%b', `refs/heads/${ref}`],
      {
        ...quiet,
        encoding: 'utf8',
      },
    );
  } catch {
    return [];
  }
  return out
    .split('\0')
    .filter(Boolean)
    .map((entry) => {
      const [sha = '', parents = '', author = '', subject = '', body = ''] = entry.split('\x1f');
      return { sha, parents: parents.split(' ').filter(Boolean), author, subject, body: body.trim() };
    });
}

/** Every file at `ref` of a bare repository: path → content ({} when the ref is missing). */
export function gitFiles(dir: string, ref = 'main'): Record<string, string> {
  let names: string;
  try {
    names = execFileSync(
      'git',
      ['--git-dir', dir, 'ls-tree', '-r', '-z', '--name-only', `refs/heads/${ref}`],
      {
        ...quiet,
        encoding: 'utf8',
      },
    );
  } catch {
    return {};
  }
  const files: Record<string, string> = {};
  for (const name of names.split('\0').filter(Boolean)) {
    files[name] = execFileSync('git', ['--git-dir', dir, 'show', `refs/heads/${ref}:${name}`], {
      ...quiet,
      encoding: 'utf8',
    });
  }
  return files;
}

/** The branches of a bare repository and their commits. */
export function gitBranches(dir: string): Record<string, string> {
  const out = execFileSync(
    'git',
    ['--git-dir', dir, 'for-each-ref', '--format=%(refname:short) %(objectname)', 'refs/heads/'],
    {
      ...quiet,
      encoding: 'utf8',
    },
  );
  return Object.fromEntries(
    out
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ') as [string, string]),
  );
}
