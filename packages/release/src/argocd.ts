import { ActionError, type Logger } from '@slipway/action-kit';
import { explainTlsError } from '@slipway/net/tls';
import { Deadline, formatDuration, realClock, type ReleaseOutcome, type WaitSettings } from './outcome.ts';

/** An Argo CD application to follow to one commit. */
export interface ArgoRelease {
  /** The Argo CD server, e.g. https://argocd.example.com (API under /api/v1). */
  server: string;
  application: string;
  /** Bearer token of an account allowed `get` on the application. Never printed. */
  token: string;
  /** The commit the application must be synced to. */
  revision: string;
}

interface ArgoResource {
  group?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  status?: string;
  message?: string;
  health?: { status?: string; message?: string };
}

interface ArgoApplication {
  status?: {
    sync?: { status?: string; revision?: string; revisions?: string[] };
    health?: { status?: string; message?: string };
    operationState?: {
      phase?: string;
      message?: string;
      operation?: { sync?: { revision?: string; revisions?: string[] } };
      syncResult?: { revision?: string; revisions?: string[]; resources?: ArgoResource[] };
    };
    resources?: ArgoResource[];
    conditions?: { type?: string; message?: string }[];
  };
}

/** Same commit, also when one side is abbreviated (at least 7 hex digits). */
export function sameRevision(a: string | undefined, b: string): boolean {
  if (!a) return false;
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x === y) return true;
  return (
    Math.min(x.length, y.length) >= 7 && /^[0-9a-f]+$/.test(x + y) && (x.startsWith(y) || y.startsWith(x))
  );
}

const short = (rev: string | undefined) =>
  rev && /^[0-9a-f]{40}$/i.test(rev) ? rev.slice(0, 7) : rev || '(none)';

const resourceName = (r: ArgoResource) =>
  `${r.kind ?? '?'}/${r.namespace ? `${r.namespace}/` : ''}${r.name ?? '?'}`;

/** The application's link in the Argo CD UI. */
export function argoAppUrl(server: string, application: string): string {
  return `${server.replace(/\/+$/, '')}/applications/${encodeURIComponent(application)}`;
}

/** Resources that are not healthy, and resources whose sync failed, with their messages. */
export function unhealthyResources(app: ArgoApplication): string[] {
  const lines: string[] = [];
  for (const r of app.status?.resources ?? []) {
    const health = r.health?.status;
    if (health && health !== 'Healthy') {
      lines.push(`${resourceName(r)}: ${health}${r.health?.message ? ` — ${r.health.message}` : ''}`);
    }
  }
  for (const r of app.status?.operationState?.syncResult?.resources ?? []) {
    if (r.status && r.status !== 'Synced' && r.status !== 'Pruned') {
      lines.push(`${resourceName(r)}: sync ${r.status}${r.message ? ` — ${r.message}` : ''}`);
    }
  }
  return lines;
}

function revisionsOf(app: ArgoApplication): (string | undefined)[] {
  const sync = app.status?.sync;
  return sync?.revisions?.length ? sync.revisions : [sync?.revision];
}

function operationRevisions(app: ArgoApplication): (string | undefined)[] {
  const op = app.status?.operationState;
  return [
    op?.syncResult?.revision,
    ...(op?.syncResult?.revisions ?? []),
    op?.operation?.sync?.revision,
    ...(op?.operation?.sync?.revisions ?? []),
  ];
}

/**
 * Polls `GET /api/v1/applications/<name>` until the application is synced to the release's commit
 * and Healthy (live), or is Degraded at it / its sync operation failed (failed, listing the
 * resources that are not healthy with their messages). Prints a line only when what it sees changes.
 */
export async function followArgoRelease(
  release: ArgoRelease,
  settings: WaitSettings,
  log: Logger,
): Promise<ReleaseOutcome & { requests: number }> {
  const clock = settings.clock ?? realClock;
  const deadline = new Deadline(clock, settings.timeoutMs);
  const server = release.server.replace(/\/+$/, '');
  const api = `${server}/api/v1/applications/${encodeURIComponent(release.application)}`;
  const url = argoAppUrl(server, release.application);
  const facts: [string, string][] = [
    ['application', release.application],
    ['revision', release.revision],
  ];
  log.info(
    `Waiting for Argo CD application ${release.application} to be synced to ${short(release.revision)} and Healthy: ${url}`,
  );
  let last = '';
  let requests = 0;
  for (;;) {
    requests++;
    let text: string;
    let app: ArgoApplication | undefined;
    try {
      // Loaded here, not at start: the proxy agents are only needed once polling begins.
      const { proxyFetch } = await import('@slipway/net');
      const res = await proxyFetch(api, {
        headers: { authorization: `Bearer ${release.token}`, accept: 'application/json' },
        signal: AbortSignal.timeout(30_000),
      });
      const body = await res.text();
      if (res.status === 401 || res.status === 403) {
        throw new ActionError(
          `Argo CD refused GET ${api} (HTTP ${res.status}): the token needs the RBAC permission "applications, get" on ${release.application} (p, <role>, applications, get, <project>/${release.application}, allow), and must not have expired`,
        );
      }
      if (res.status === 404) {
        throw new ActionError(
          `Argo CD has no application ${release.application} at ${server} (HTTP 404): check the application input (and its namespace) and the server`,
        );
      }
      if (!res.ok) text = `HTTP ${res.status}`;
      else {
        try {
          app = JSON.parse(body) as ArgoApplication;
          const sync = app.status?.sync;
          const op = app.status?.operationState;
          text = `sync ${sync?.status ?? 'Unknown'} at ${short(revisionsOf(app).find(Boolean))}, health ${app.status?.health?.status ?? 'Unknown'}${op?.phase && op.phase !== 'Succeeded' ? `, operation ${op.phase}` : ''}`;
        } catch {
          text = `HTTP ${res.status}, the body is not JSON`;
        }
      }
    } catch (err) {
      if (err instanceof ActionError) throw err;
      // An untrusted certificate does not heal while waiting: stop at once with the fix.
      const tls = explainTlsError(err, new URL(server).host);
      if (tls) throw new ActionError(`Argo CD at ${server} cannot be read: ${tls}`);
      text =
        (err as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED'
          ? 'connection refused'
          : (err as Error).message;
    }
    if (text !== last) {
      log.info(`${formatDuration(deadline.elapsed())}: ${text}`);
      last = text;
    }
    const result = (o: Pick<ReleaseOutcome, 'status' | 'detail'> & Partial<ReleaseOutcome>) => ({
      failedStage: '',
      logTail: [],
      steps: [],
      url,
      durationMs: deadline.elapsed(),
      facts: [...facts, ['last seen', text] as [string, string]],
      requests,
      ...o,
    });
    if (app) {
      const atRevision = revisionsOf(app).some((r) => sameRevision(r, release.revision));
      const health = app.status?.health?.status;
      const op = app.status?.operationState;
      const opFailed =
        (op?.phase === 'Failed' || op?.phase === 'Error') &&
        operationRevisions(app).some((r) => sameRevision(r, release.revision));
      if (atRevision && app.status?.sync?.status === 'Synced' && health === 'Healthy') {
        return result({
          status: 'live',
          detail: `${release.application} is synced to ${short(release.revision)} and Healthy`,
        });
      }
      if ((atRevision && health === 'Degraded') || opFailed) {
        const problems = unhealthyResources(app);
        const why = opFailed
          ? `the sync of ${short(release.revision)} ${op?.phase === 'Error' ? 'errored' : 'failed'}${op?.message ? `: ${op.message}` : ''}`
          : `${release.application} is Degraded at ${short(release.revision)}${app.status?.health?.message ? `: ${app.status.health.message}` : ''}`;
        if (problems.length) {
          await log.group(`Resources that are not healthy (${problems.length})`, async () => {
            for (const p of problems) log.info(p);
          });
        }
        const first = problems[0]?.split(':')[0] ?? '';
        return result({
          status: 'failed',
          detail: problems.length ? `${why}; ${problems.join('; ')}` : why,
          failedStage: first,
          logTail: problems,
        });
      }
    }
    if (deadline.passed()) {
      return result({
        status: 'timed-out',
        detail: `${release.application} was not synced to ${short(release.revision)} and Healthy within ${formatDuration(settings.timeoutMs)}; last seen: ${text}`,
      });
    }
    await deadline.wait(settings.intervalMs);
  }
}
