import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerTls } from '../tls.ts';
import { listen, readBody, sendJson, type RecordedRequest, type RunningDouble } from './http-double.ts';

type Json = Record<string, unknown>;
type Validate = ((data: unknown) => boolean) & {
  errors?: { instancePath: string; message?: string }[] | null;
};

/** A pull request as the double holds it (a `pull-request` object of GitHub's REST schema). */
export type PullRequestRecord = Json & {
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  node_id: string;
  html_url: string;
  head: Json & { ref: string; sha: string };
  base: Json & { ref: string; sha: string };
  auto_merge: null | {
    merge_method: string;
    enabled_by: unknown;
    commit_title: string;
    commit_message: string;
  };
};

const SPEC_ID = 'https://slipway.test/api.github.com.json';

/** GitHub's REST description, from @octokit/openapi (only the api.github.com file is read). */
function loadSpec(): Json {
  const require = createRequire(import.meta.url);
  const dir = join(require.resolve('@octokit/openapi/package.json'), '..', 'generated');
  return JSON.parse(readFileSync(join(dir, 'api.github.com.json'), 'utf8')) as Json;
}

/** Makes `#/…` references absolute, so a schema taken out of the description still resolves. */
function absolute(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(absolute);
  if (!schema || typeof schema !== 'object') return schema;
  return Object.fromEntries(
    Object.entries(schema as Json).map(([k, v]) => [
      k,
      k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `${SPEC_ID}${v}` : absolute(v),
    ]),
  );
}

function dig(obj: unknown, ...path: string[]): unknown {
  return path.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Json)[k] : undefined), obj);
}

/** The request and response validators of the endpoints the double serves, from the description. */
async function validators() {
  const spec = loadSpec();
  const { Ajv } = (await import('ajv')) as unknown as { Ajv: new (o: Json) => AjvLike };
  const addFormats = ((await import('ajv-formats')) as unknown as { default: (a: AjvLike) => void }).default;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addFormat('repo.nwo', /^[^/]+\/[^/]+$/);
  ajv.addSchema({ $id: SPEC_ID, components: { schemas: dig(spec, 'components', 'schemas') } });
  const body = (path: string, method: string) =>
    ajv.compile(
      absolute(
        dig(spec, 'paths', path, method, 'requestBody', 'content', 'application/json', 'schema'),
      ) as Json,
    );
  const examples = dig(spec, 'components', 'examples') as Json;
  return {
    createBody: body('/repos/{owner}/{repo}/pulls', 'post'),
    updateBody: body('/repos/{owner}/{repo}/pulls/{pull_number}', 'patch'),
    pullRequest: ajv.compile({ $ref: `${SPEC_ID}#/components/schemas/pull-request` }),
    pullRequestList: ajv.compile({
      type: 'array',
      items: { $ref: `${SPEC_ID}#/components/schemas/pull-request-simple` },
    }),
    example: structuredClone(dig(examples, 'pull-request', 'value')) as Json,
  };
}

interface AjvLike {
  addFormat(name: string, format: RegExp): void;
  addSchema(schema: Json): void;
  compile(schema: Json): Validate;
}

function describeErrors(v: Validate): string {
  return (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; ');
}

/**
 * A stand-in for the GitHub REST calls gitops-publish makes (list, create and update pull
 * requests) and the GraphQL mutation that enables auto-merge. Every request body is validated
 * against GitHub's published OpenAPI description (@octokit/openapi) and refused with GitHub's 422
 * shape when it does not conform; every response is built from the description's own example and
 * checked against its schema before it is sent. With `gitRoot`, a pull request's head must be a
 * branch of the repository in the Git server, as GitHub requires.
 */
export class GitHubDouble {
  readonly requests: (RecordedRequest & { invalid?: string })[] = [];
  readonly pulls = new Map<string, PullRequestRecord[]>();
  /** Tokens answered with 403 (a token without "Pull requests: write"). */
  readonly forbiddenTokens = new Set<string>();
  private ids = 1;
  private readonly v: Awaited<ReturnType<typeof validators>>;
  readonly url: string;
  private readonly gitRoot: string | undefined;

  constructor(v: Awaited<ReturnType<typeof validators>>, url: string, gitRoot?: string) {
    this.v = v;
    this.url = url;
    this.gitRoot = gitRoot;
  }

  private branchSha(repo: string, branch: string): string | undefined {
    if (!this.gitRoot) return '0'.repeat(40);
    try {
      return execFileSync(
        'git',
        ['--git-dir', join(this.gitRoot, `${repo}.git`), 'rev-parse', '--verify', `refs/heads/${branch}`],
        {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      ).trim();
    } catch {
      return undefined;
    }
  }

  private build(
    repo: string,
    owner: string,
    number: number,
    fields: { title: string; body: string | null; head: string; base: string },
  ): PullRequestRecord {
    const pr = structuredClone(this.v.example) as PullRequestRecord;
    const api = this.url.replace(/\/$/, '');
    const id = this.ids++;
    Object.assign(pr, {
      id,
      node_id: `PR_slipway${id}`,
      number,
      state: 'open',
      locked: false,
      title: fields.title,
      body: fields.body,
      url: `${api}/repos/${repo}/pulls/${number}`,
      html_url: `https://github.com/${repo}/pull/${number}`,
      created_at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      updated_at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      closed_at: null,
      merged_at: null,
      merged: false,
      auto_merge: null,
      draft: false,
      // A release branch has no reviewers, labels or milestone yet (GitHub's example has some, in an older shape).
      assignee: null,
      assignees: [],
      requested_reviewers: [],
      requested_teams: [],
      labels: [],
      milestone: null,
    });
    const ref = (which: 'head' | 'base', name: string) => {
      const side = pr[which] as Json & { ref: string; sha: string; label: string };
      side.ref = name;
      side.sha = this.branchSha(repo, name) ?? '0'.repeat(40);
      side.label = `${owner}:${name}`;
    };
    ref('head', fields.head);
    ref('base', fields.base);
    return pr;
  }

  private simple(pr: PullRequestRecord): Json {
    const {
      mergeable: _m,
      mergeable_state: _s,
      merged: _d,
      merged_by: _b,
      comments: _c,
      review_comments: _r,
      maintainer_can_modify: _x,
      commits: _k,
      additions: _a,
      deletions: _e,
      changed_files: _f,
      rebaseable: _g,
      ...rest
    } = pr;
    return rest;
  }

  private send(res: ServerResponse, status: number, body: unknown, validate?: Validate): number {
    if (validate && !validate(body))
      throw new Error(`the GitHub double built a response its schema refuses: ${describeErrors(validate)}`);
    sendJson(res, status, body);
    return status;
  }

  /** Handles one request; returns the status sent. */
  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    body: unknown,
    record: { invalid?: string },
  ): Promise<number> {
    const url = new URL(req.url ?? '/', this.url);
    const auth = req.headers.authorization ?? '';
    const token = /^(?:token|bearer)\s+(\S+)$/i.exec(auth)?.[1];
    if (!token)
      return this.send(res, 401, {
        message: 'Requires authentication',
        documentation_url: 'https://docs.github.com/rest',
      });
    if (this.forbiddenTokens.has(token)) {
      return this.send(res, 403, {
        message: 'Resource not accessible by integration',
        documentation_url: 'https://docs.github.com/rest/pulls/pulls',
        status: '403',
      });
    }
    if (url.pathname === '/graphql' && req.method === 'POST') {
      const { query, variables } = (body ?? {}) as {
        query?: string;
        variables?: { pullRequestId?: string; mergeMethod?: string };
      };
      const pr = [...this.pulls.values()].flat().find((p) => p.node_id === variables?.pullRequestId);
      const method = variables?.mergeMethod ?? '';
      if (
        !query?.includes('enablePullRequestAutoMerge') ||
        !pr ||
        !['MERGE', 'SQUASH', 'REBASE'].includes(method)
      ) {
        record.invalid = 'unsupported GraphQL request';
        return this.send(res, 200, {
          errors: [{ type: 'NOT_FOUND', message: 'Could not resolve to a node with the global id.' }],
        });
      }
      // GitHub's auto-merge object: who enabled it, how, and the merge commit's title and message.
      pr.auto_merge = {
        enabled_by: pr.user,
        merge_method: method.toLowerCase(),
        commit_title: `${pr.title} (#${pr.number})`,
        commit_message: '',
      };
      return this.send(res, 200, { data: { enablePullRequestAutoMerge: { clientMutationId: null } } });
    }
    const m = /^\/repos\/([^/]+)\/([^/]+)\/pulls(?:\/(\d+))?$/.exec(url.pathname);
    if (!m)
      return this.send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
    const [, owner = '', name = '', numberText] = m;
    const repo = `${owner}/${name}`;
    const list = this.pulls.get(repo) ?? [];
    this.pulls.set(repo, list);
    const invalid = (message: string, errors: Json[] = []) => {
      record.invalid = message;
      return this.send(res, 422, {
        message: 'Validation Failed',
        errors,
        documentation_url: 'https://docs.github.com/rest/pulls/pulls',
        status: '422',
      });
    };
    if (req.method === 'GET' && !numberText) {
      const state = url.searchParams.get('state') ?? 'open';
      const head = url.searchParams.get('head');
      const base = url.searchParams.get('base');
      const found = list.filter(
        (p) =>
          (state === 'all' || p.state === state) &&
          (!head || `${owner}:${p.head.ref}` === head) &&
          (!base || p.base.ref === base),
      );
      return this.send(
        res,
        200,
        found.map((p) => this.simple(p)),
        this.v.pullRequestList,
      );
    }
    if (req.method === 'POST' && !numberText) {
      if (!this.v.createBody(body)) return invalid(describeErrors(this.v.createBody));
      const b = body as { title?: string; head: string; base: string; body?: string };
      if (!b.title)
        return invalid('title is required', [
          { resource: 'PullRequest', field: 'title', code: 'missing_field' },
        ]);
      if (!this.branchSha(repo, b.head))
        return invalid('head invalid', [{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
      if (!this.branchSha(repo, b.base))
        return invalid('base invalid', [{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
      if (list.some((p) => p.state === 'open' && p.head.ref === b.head && p.base.ref === b.base)) {
        return invalid('duplicate', [
          {
            resource: 'PullRequest',
            code: 'custom',
            message: `A pull request already exists for ${owner}:${b.head}.`,
          },
        ]);
      }
      const pr = this.build(repo, owner, list.length + 1, {
        title: b.title,
        body: b.body ?? null,
        head: b.head,
        base: b.base,
      });
      list.push(pr);
      return this.send(res, 201, pr, this.v.pullRequest);
    }
    const pr = list.find((p) => p.number === Number(numberText));
    if (!pr)
      return this.send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
    if (req.method === 'PATCH') {
      if (!this.v.updateBody(body)) return invalid(describeErrors(this.v.updateBody));
      const b = body as { title?: string; body?: string; state?: 'open' | 'closed' };
      if (b.title !== undefined) pr.title = b.title;
      if (b.body !== undefined) pr.body = b.body;
      if (b.state) pr.state = b.state;
      pr.updated_at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      pr.head.sha = this.branchSha(repo, pr.head.ref) ?? pr.head.sha;
      return this.send(res, 200, pr, this.v.pullRequest);
    }
    if (req.method === 'GET') return this.send(res, 200, pr, this.v.pullRequest);
    return this.send(res, 404, { message: 'Not Found' });
  }
}

/** A started GitHub double; `url` (trailing slash) is GITHUB_API_URL; control at `url + '_control/'`. */
export interface GitHubDoubleServer extends RunningDouble {
  double: GitHubDouble;
}

/**
 * Starts the GitHub REST double on a free 127.0.0.1 port. Control API (for tests in other
 * processes): `GET _control/pulls` (every pull request by repository), `GET _control/requests`
 * (each request with `invalid` when its body broke the schema), `POST _control/forbid {token}`
 * (answer 403 to that token), `POST _control/reset`. With `tls`, it serves HTTPS with that certificate.
 */
export async function startGitHubDouble(
  opts: { gitRoot?: string; tls?: ServerTls } = {},
): Promise<GitHubDoubleServer> {
  const v = await validators();
  const holder: { double?: GitHubDouble } = {};
  const server = await listen(async (req, res) => {
    const raw = await readBody(req);
    let body: unknown;
    try {
      body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
    } catch {
      sendJson(res, 400, { message: 'Problems parsing JSON' });
      return;
    }
    const d = holder.double as GitHubDouble;
    const path = req.url ?? '/';
    if (path.startsWith('/_control/')) {
      if (path === '/_control/pulls') return sendJson(res, 200, Object.fromEntries(d.pulls));
      if (path === '/_control/requests') return sendJson(res, 200, d.requests);
      if (path === '/_control/forbid') {
        d.forbiddenTokens.add(String((body as { token?: string })?.token ?? ''));
        return sendJson(res, 200, { ok: true });
      }
      if (path === '/_control/reset') {
        d.pulls.clear();
        d.requests.length = 0;
        d.forbiddenTokens.clear();
        return sendJson(res, 200, { ok: true });
      }
      return sendJson(res, 404, { message: 'unknown control path' });
    }
    const { authorization: _secret, ...headers } = req.headers;
    const record: RecordedRequest & { invalid?: string } = {
      method: req.method ?? 'GET',
      path,
      headers: { ...headers, authorization: _secret ? _secret.split(' ')[0] : undefined },
      body,
      status: 0,
      at: new Date().toISOString(),
    };
    d.requests.push(record);
    record.status = await d.handle(req, res, body, record);
  }, opts.tls);
  const double = new GitHubDouble(v, server.url, opts.gitRoot);
  holder.double = double;
  return { ...server, double };
}
