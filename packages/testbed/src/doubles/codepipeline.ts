import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { Agent as HttpsAgent } from 'node:https';
import { dirname, join } from 'node:path';
import { unzipSync } from 'fflate';
import { parse as parseYaml } from 'yaml';
import { repoRoot } from '../paths.ts';
import type { ServerTls } from '../tls.ts';
import { writeDeployTools, type DeployToolPlan, type DeployTools } from './deploy-tools.ts';
import { listen, readBody, sendJson } from './http-double.ts';

/** Options of {@link startPipelineStandIn}. */
export interface PipelineStandInOptions {
  /** moto, for the S3 source (watched) and CloudWatch Logs (the build's output). */
  moto: { url: string };
  /**
   * Serve HTTPS with this certificate; its CA is also the one trusted for an https moto (a moto
   * started with the same `tls`).
   */
  tls?: ServerTls;
  pipeline: string;
  /** The source: the stable key render-manifest publishes to, in a versioned bucket. */
  bucket: string;
  key: string;
  region?: string;
  /** A manual approval stage (`Approve`) between Source and Deploy. */
  approval?: boolean;
  /** The buildspec the Deploy action runs (default infra/buildspec.yml). */
  buildspec?: string;
  /** Environment of the build project (the CloudFormation stack sets EKS_CLUSTER_NAME, KUBE_NAMESPACE). */
  buildEnv?: Record<string, string>;
  /** How often S3 is looked at for new versions (default 100 ms). */
  pollMs?: number;
  /** Largest page ListPipelineExecutions returns, to exercise paging (default 100, as AWS). */
  pageSize?: number;
  /**
   * Time as the stand-in sees it (timestamps and scripted waits); a sped-up clock lets a bench
   * follow a long execution quickly. Default: the wall clock.
   */
  clock?: { now(): number; sleep(ms: number): Promise<void> };
  /**
   * A Deploy action that takes this long on the clock and succeeds, instead of running the
   * buildspec (benches of the follower, where only the timeline matters).
   */
  scriptedBuildMs?: number;
}

type ExecutionStatus = 'InProgress' | 'Succeeded' | 'Failed' | 'Superseded' | 'Stopped';
type ActionStatus = 'InProgress' | 'Succeeded' | 'Failed' | 'Abandoned';

interface ActionRecord {
  actionExecutionId: string;
  stageName: string;
  actionName: string;
  category: 'Source' | 'Approval' | 'Build';
  provider: 'S3' | 'Manual' | 'CodeBuild';
  status: ActionStatus;
  startTime: number;
  lastUpdateTime: number;
  externalExecutionId?: string;
  summary?: string;
  error?: { code: string; message: string };
}

/** One execution as the stand-in holds it. */
export interface ExecutionRecord {
  pipelineExecutionId: string;
  versionId: string;
  status: ExecutionStatus;
  statusSummary?: string;
  startTime: number;
  lastUpdateTime: number;
  actions: ActionRecord[];
}

interface BuildRecord {
  id: string;
  status: 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED';
  currentPhase: string;
  startTime: number;
  endTime?: number;
  groupName: string;
  streamName: string;
}

/** A request the stand-in answered. */
export interface PipelineRequest {
  /** `CodePipeline_20150709.ListPipelineExecutions`, `CodeBuild_20161006.BatchGetBuilds` … */
  target: string;
  operation: string;
  body: Record<string, unknown>;
  status: number;
  /** The access key of the SigV4 signature, when signed. */
  accessKeyId?: string;
}

/** A running CodePipeline stand-in. */
export interface PipelineStandIn {
  /** `http://127.0.0.1:PORT/`: AWS_ENDPOINT_URL_CODEPIPELINE and AWS_ENDPOINT_URL_CODEBUILD. */
  url: string;
  tools: DeployTools;
  /** What the `kubectl` / `aws` doubles do from now on. */
  setPlan(plan: DeployToolPlan): void;
  /** Approves the waiting manual approval (of one execution, or every waiting one). */
  approve(executionId?: string): number;
  /** Answers AccessDeniedException to an operation (e.g. `ListPipelineExecutions`) from now on. */
  deny(operation: string): void;
  /** Answers ThrottlingException to the next `times` requests of an operation. */
  throttle(operation: string, times: number): void;
  requests(operation?: string): PipelineRequest[];
  executions(): ExecutionRecord[];
  /** The execution of an S3 version, once the stand-in has started it. */
  executionOf(versionId: string): ExecutionRecord | undefined;
  /** Resolves when `check` holds (looked at after every change and every 20 ms), or throws after `timeoutMs`. */
  waitFor(what: string, check: () => boolean, timeoutMs?: number): Promise<void>;
  /** Resolves when every started execution has ended. */
  idle(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const ACCOUNT = '123456789012';
const PHASES = ['install', 'pre_build', 'build', 'post_build'] as const;

const seconds = (ms: number) => ms / 1000;

function codebuildTime(ms: number): string {
  const d = new Date(ms).toISOString();
  return `${d.slice(0, 4)}/${d.slice(5, 7)}/${d.slice(8, 10)} ${d.slice(11, 23)}`;
}

/** Signs nothing and checks nothing: the stand-in only reads the access key for the records. */
function accessKeyOf(req: IncomingMessage): string | undefined {
  return /Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1];
}

/**
 * Starts a CodePipeline stand-in that speaks CodePipeline's JSON 1.1 protocol
 * (`X-Amz-Target: CodePipeline_20150709.*`) for ListPipelineExecutions, GetPipelineExecution and
 * ListActionExecutions, and CodeBuild's for BatchGetBuilds. It watches the source key in moto's S3
 * and starts an execution per new object version; executions wait between stages and a newer one
 * supersedes an older one waiting at the same place, as in CodePipeline's SUPERSEDED mode. The
 * Deploy stage runs the buildspec itself — its phases, with bash, in the extracted artifact — with
 * the `kubectl` and `aws` doubles first on PATH, writing the build output to moto's CloudWatch Logs.
 */
export async function startPipelineStandIn(opts: PipelineStandInOptions): Promise<PipelineStandIn> {
  const now = opts.clock ? () => opts.clock?.now() ?? Date.now() : () => Date.now();
  const region = opts.region ?? 'us-east-1';
  const project = `${opts.pipeline}-deploy`;
  const pageSize = opts.pageSize ?? 100;
  const workDir = mkdtempSync(join(tmpdir(), 'slw-pipeline-'));
  const tools = writeDeployTools(join(workDir, 'tools'));
  const buildspec = parseYaml(
    readFileSync(opts.buildspec ?? join(repoRoot, 'infra', 'buildspec.yml'), 'utf8'),
  ) as {
    env?: { variables?: Record<string, unknown>; shell?: string };
    phases?: Record<string, { commands?: string[]; 'on-failure'?: string }>;
  };
  const { S3Client, ListObjectVersionsCommand, GetObjectCommand } = await import('@aws-sdk/client-s3');
  const cw = await import('@aws-sdk/client-cloudwatch-logs');
  const awsConfig = {
    endpoint: opts.moto.url,
    region,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    ...(opts.tls && opts.moto.url.startsWith('https:')
      ? { requestHandler: { httpsAgent: new HttpsAgent({ ca: readFileSync(opts.tls.caFile) }) } }
      : {}),
  };
  const s3 = new S3Client({ ...awsConfig, forcePathStyle: true });
  const logs = new cw.CloudWatchLogsClient(awsConfig);

  const executions: ExecutionRecord[] = [];
  const builds = new Map<string, BuildRecord>();
  const recorded: PipelineRequest[] = [];
  const denied = new Set<string>();
  const throttled = new Map<string, number>();
  const approvals = new Map<string, () => void>();
  const running = new Set<Promise<void>>();
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const l of listeners) l();
  };
  const stages: {
    name: string;
    action: string;
    category: ActionRecord['category'];
    provider: ActionRecord['provider'];
  }[] = [
    { name: 'Source', action: 'Source', category: 'Source', provider: 'S3' },
    ...(opts.approval
      ? [{ name: 'Approve', action: 'Approval', category: 'Approval' as const, provider: 'Manual' as const }]
      : []),
    { name: 'Deploy', action: 'Deploy', category: 'Build', provider: 'CodeBuild' },
  ];
  // Who is in each stage, and who waits to enter it.
  const occupant = new Map<string, ExecutionRecord>();
  const waiting = new Map<string, { execution: ExecutionRecord; enter: (ok: boolean) => void }>();
  const freed = new Map<string, (() => void)[]>();

  const touch = (e: ExecutionRecord) => {
    e.lastUpdateTime = now();
    changed();
  };

  async function enterStage(e: ExecutionRecord, stage: string): Promise<boolean> {
    for (;;) {
      if (e.status !== 'InProgress') return false;
      if (!occupant.has(stage)) {
        occupant.set(stage, e);
        return true;
      }
      const before = waiting.get(stage);
      if (before) {
        // CodePipeline's SUPERSEDED mode: the newer execution takes the older one's place in line.
        before.execution.status = 'Superseded';
        before.execution.statusSummary = `Superseded by execution ${e.pipelineExecutionId}`;
        touch(before.execution);
        before.enter(false);
      }
      const ok = await new Promise<boolean>((resolve) => {
        waiting.set(stage, { execution: e, enter: resolve });
        const queue = freed.get(stage) ?? [];
        queue.push(() => resolve(true));
        freed.set(stage, queue);
      });
      if (waiting.get(stage)?.execution === e) waiting.delete(stage);
      if (!ok) return false;
    }
  }

  function leaveStage(stage: string): void {
    occupant.delete(stage);
    const queue = freed.get(stage) ?? [];
    freed.delete(stage);
    for (const wake of queue) wake();
  }

  async function writeLogs(build: BuildRecord, lines: { ts: number; text: string }[]): Promise<void> {
    for (let i = 0; i < lines.length; i += 1000) {
      await logs.send(
        new cw.PutLogEventsCommand({
          logGroupName: build.groupName,
          logStreamName: build.streamName,
          logEvents: lines.slice(i, i + 1000).map((l) => ({ timestamp: l.ts, message: l.text })),
        }),
      );
    }
  }

  async function runBuild(e: ExecutionRecord, action: ActionRecord, zip: Uint8Array): Promise<void> {
    const buildUuid = randomUUID();
    const build: BuildRecord = {
      id: `${project}:${buildUuid}`,
      status: 'IN_PROGRESS',
      currentPhase: 'SUBMITTED',
      startTime: now(),
      groupName: `/aws/codebuild/${project}`,
      streamName: buildUuid,
    };
    builds.set(build.id, build);
    action.externalExecutionId = build.id;
    await logs.send(new cw.CreateLogGroupCommand({ logGroupName: build.groupName })).catch((err: unknown) => {
      if ((err as { name?: string }).name !== 'ResourceAlreadyExistsException') throw err;
    });
    await logs.send(
      new cw.CreateLogStreamCommand({ logGroupName: build.groupName, logStreamName: build.streamName }),
    );

    const dir = join(workDir, buildUuid);
    const src = join(dir, 'src');
    const tmp = join(dir, 'tmp');
    for (const d of [src, tmp, join(dir, 'home')]) mkdirSync(d, { recursive: true });
    // CodePipeline hands CodeBuild the S3 artifact extracted into CODEBUILD_SRC_DIR.
    for (const [name, data] of Object.entries(unzipSync(zip))) {
      if (name.endsWith('/')) continue;
      mkdirSync(dirname(join(src, name)), { recursive: true });
      writeFileSync(join(src, name), data);
    }
    const env: Record<string, string> = {
      PATH: `${tools.binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      HOME: join(dir, 'home'),
      TMPDIR: tmp,
      LANG: 'C.UTF-8',
      ...Object.fromEntries(Object.entries(buildspec.env?.variables ?? {}).map(([k, v]) => [k, String(v)])),
      ...opts.buildEnv,
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      CODEBUILD_BUILD_ID: build.id,
      CODEBUILD_SRC_DIR: src,
      CODEBUILD_INITIATOR: `codepipeline/${opts.pipeline}`,
      CODEBUILD_RESOLVED_SOURCE_VERSION: e.versionId,
      SLIPWAY_DEPLOY_PLAN: tools.planFile,
      SLIPWAY_DEPLOY_CALLS: tools.callsFile,
    };
    const lines: { ts: number; text: string }[] = [];
    const say = (text: string) => lines.push({ ts: now(), text });
    const container = (text: string) => say(`[Container] ${codebuildTime(now())} ${text}`);
    container(`Running on CodeBuild (Slipway test bed stand-in) for ${opts.pipeline}`);
    let failure: string | undefined;
    for (const phase of PHASES) {
      const spec = buildspec.phases?.[phase];
      if (!spec?.commands?.length) continue;
      const name = phase.toUpperCase();
      build.currentPhase = name;
      container(`Entering phase ${name}`);
      for (const command of spec.commands) {
        const shown =
          command
            .split('\n')
            .find((l) => l.trim() && l.trim() !== '(')
            ?.trim() ?? command;
        container(`Running command ${command.trim()}`);
        const code = await new Promise<number>((resolve) => {
          const child = spawn('bash', ['-c', command], { cwd: src, env, stdio: ['ignore', 'pipe', 'pipe'] });
          let pending = { out: '', err: '' };
          const feed = (which: 'out' | 'err') => (chunk: Buffer) => {
            pending[which] += chunk.toString('utf8');
            const parts = pending[which].split('\n');
            pending[which] = parts.pop() ?? '';
            for (const p of parts) say(p);
          };
          child.stdout.on('data', feed('out'));
          child.stderr.on('data', feed('err'));
          child.on('close', (c) => {
            for (const rest of [pending.out, pending.err]) if (rest) say(rest);
            pending = { out: '', err: '' };
            resolve(c ?? 1);
          });
        });
        if (code !== 0) {
          container(`Command did not exit successfully ${command.trim()} exit status ${code}`);
          container(`Phase complete: ${name} State: FAILED`);
          failure = `Phase: ${name}, Code: COMMAND_EXECUTION_ERROR, Message: Error while executing command: ${shown}. Reason: exit status ${code}`;
          container(
            `Phase context status code: COMMAND_EXECUTION_ERROR Message: Error while executing command: ${shown}. Reason: exit status ${code}`,
          );
          break;
        }
      }
      if (failure) break;
      container(`Phase complete: ${name} State: SUCCEEDED`);
    }
    await writeLogs(build, lines);
    build.status = failure ? 'FAILED' : 'SUCCEEDED';
    build.currentPhase = 'COMPLETED';
    build.endTime = now();
    rmSync(dir, { recursive: true, force: true });
    action.status = failure ? 'Failed' : 'Succeeded';
    action.summary = failure ? `Build terminated with state: FAILED. ${failure}` : undefined;
    if (failure)
      action.error = { code: 'JobFailed', message: `Build terminated with state: FAILED. ${failure}` };
    action.lastUpdateTime = now();
  }

  async function runExecution(e: ExecutionRecord): Promise<void> {
    let zip: Uint8Array | undefined;
    for (const stage of stages) {
      if (!(await enterStage(e, stage.name))) return;
      const action: ActionRecord = {
        actionExecutionId: randomUUID(),
        stageName: stage.name,
        actionName: stage.action,
        category: stage.category,
        provider: stage.provider,
        status: 'InProgress',
        startTime: now(),
        lastUpdateTime: now(),
      };
      e.actions.push(action);
      touch(e);
      try {
        if (stage.category === 'Source') {
          const out = await s3.send(
            new GetObjectCommand({ Bucket: opts.bucket, Key: opts.key, VersionId: e.versionId }),
          );
          zip = await out.Body?.transformToByteArray();
          action.externalExecutionId = e.versionId;
          action.summary = `Amazon S3 version id: ${e.versionId}`;
          action.status = 'Succeeded';
        } else if (stage.category === 'Approval') {
          if (watching) await new Promise<void>((resolve) => approvals.set(e.pipelineExecutionId, resolve));
          approvals.delete(e.pipelineExecutionId);
          action.status = 'Succeeded';
          action.summary = 'Approved by arn:aws:iam::123456789012:user/release-manager';
        } else if (opts.scriptedBuildMs !== undefined) {
          action.externalExecutionId = `${project}:${randomUUID()}`;
          await (opts.clock ?? { sleep: (ms: number) => new Promise((r) => setTimeout(r, ms)) }).sleep(
            opts.scriptedBuildMs,
          );
          action.status = 'Succeeded';
        } else {
          await runBuild(e, action, zip ?? new Uint8Array());
        }
      } catch (err) {
        action.status = 'Failed';
        action.error = { code: 'JobFailed', message: (err as Error).message };
      }
      action.lastUpdateTime = now();
      leaveStage(stage.name);
      if (action.status === 'Failed') {
        e.status = 'Failed';
        e.statusSummary = action.error?.message;
        touch(e);
        return;
      }
      touch(e);
    }
    e.status = 'Succeeded';
    touch(e);
  }

  // The S3 source: every new version of the key starts an execution, oldest first.
  const seen = new Set<string>();
  let watching = true;
  const listVersions = async () => {
    const out = await s3.send(new ListObjectVersionsCommand({ Bucket: opts.bucket, Prefix: opts.key }));
    return (out.Versions ?? [])
      .filter((v) => v.Key === opts.key && v.VersionId && v.VersionId !== 'null')
      .sort((a, b) => (a.LastModified?.getTime() ?? 0) - (b.LastModified?.getTime() ?? 0));
  };
  for (const v of await listVersions().catch(() => [])) seen.add(v.VersionId as string);
  const watcher = (async () => {
    while (watching) {
      try {
        const versions = await listVersions();
        // A version found while stop() runs starts nothing: stop() is about to remove the work
        // folder that a build would run in.
        if (!watching) break;
        for (const v of versions) {
          const versionId = v.VersionId as string;
          if (seen.has(versionId)) continue;
          seen.add(versionId);
          const e: ExecutionRecord = {
            pipelineExecutionId: randomUUID(),
            versionId,
            status: 'InProgress',
            startTime: now(),
            lastUpdateTime: now(),
            actions: [],
          };
          executions.push(e);
          changed();
          const run = runExecution(e).finally(() => {
            running.delete(run);
            changed();
          });
          running.add(run);
        }
      } catch {
        // The bucket may not exist yet: keep watching.
      }
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 100));
    }
  })();

  const awsError = (res: ServerResponse, type: string, message: string, status = 400) =>
    sendJson(res, status, { __type: type, message }, { 'content-type': 'application/x-amz-json-1.1' });

  const summaryOf = (e: ExecutionRecord) => ({
    pipelineExecutionId: e.pipelineExecutionId,
    status: e.status,
    ...(e.statusSummary ? { statusSummary: e.statusSummary } : {}),
    startTime: seconds(e.startTime),
    lastUpdateTime: seconds(e.lastUpdateTime),
    sourceRevisions: [
      { actionName: 'Source', revisionId: e.versionId, revisionSummary: `s3://${opts.bucket}/${opts.key}` },
    ],
    trigger: {
      triggerType: 'CloudWatchEvent',
      triggerDetail: `arn:aws:events:${region}:${ACCOUNT}:rule/${opts.pipeline}-source`,
    },
    executionMode: 'SUPERSEDED',
  });

  const actionDetail = (e: ExecutionRecord, a: ActionRecord) => ({
    pipelineExecutionId: e.pipelineExecutionId,
    actionExecutionId: a.actionExecutionId,
    pipelineVersion: 1,
    stageName: a.stageName,
    actionName: a.actionName,
    startTime: seconds(a.startTime),
    lastUpdateTime: seconds(a.lastUpdateTime),
    status: a.status,
    input: {
      actionTypeId: { category: a.category, owner: 'AWS', provider: a.provider, version: '1' },
      configuration:
        a.category === 'Build'
          ? { ProjectName: project }
          : a.category === 'Source'
            ? { S3Bucket: opts.bucket, S3ObjectKey: opts.key }
            : {},
      region,
    },
    output: {
      executionResult: {
        ...(a.externalExecutionId ? { externalExecutionId: a.externalExecutionId } : {}),
        ...(a.summary ? { externalExecutionSummary: a.summary } : {}),
        ...(a.category === 'Build' && a.externalExecutionId
          ? {
              externalExecutionUrl: `https://console.aws.amazon.com/codebuild/home?region=${region}#/builds/${encodeURIComponent(a.externalExecutionId)}/view/new`,
            }
          : {}),
        ...(a.error ? { errorDetails: a.error } : {}),
      },
    },
  });

  function page<T>(items: T[], body: Record<string, unknown>): { items: T[]; nextToken?: string } {
    const max = Math.min(pageSize, typeof body.maxResults === 'number' ? body.maxResults : 100);
    const start = typeof body.nextToken === 'string' ? Number(body.nextToken) : 0;
    const slice = items.slice(start, start + max);
    return start + max < items.length ? { items: slice, nextToken: String(start + max) } : { items: slice };
  }

  const double = await listen(async (req, res) => {
    const raw = (await readBody(req)).toString('utf8');
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.split('.').pop() ?? '';
    let body: Record<string, unknown> = {};
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      body = {};
    }
    const record: PipelineRequest = { target, operation, body, status: 200 };
    const key = accessKeyOf(req);
    if (key) record.accessKeyId = key;
    recorded.push(record);
    const reply = (status: number, payload: unknown) => {
      record.status = status;
      sendJson(res, status, payload, { 'content-type': 'application/x-amz-json-1.1' });
    };
    const fail = (type: string, message: string) => {
      record.status = 400;
      awsError(res, type, message);
    };
    const service = target.startsWith('CodeBuild_') ? 'codebuild' : 'codepipeline';
    if (denied.has(operation)) {
      const resource =
        service === 'codebuild'
          ? `arn:aws:codebuild:${region}:${ACCOUNT}:project/${project}`
          : `arn:aws:codepipeline:${region}:${ACCOUNT}:${opts.pipeline}`;
      return fail(
        'AccessDeniedException',
        `User: arn:aws:sts::${ACCOUNT}:assumed-role/slipway-deploy/GitHubActions is not authorized to perform: ${service}:${operation} on resource: ${resource} because no identity-based policy allows the ${service}:${operation} action`,
      );
    }
    const throttle = throttled.get(operation) ?? 0;
    if (throttle > 0) {
      throttled.set(operation, throttle - 1);
      return fail('ThrottlingException', 'Rate exceeded');
    }
    if (target === 'CodeBuild_20161006.BatchGetBuilds') {
      const ids = Array.isArray(body.ids) ? (body.ids as string[]) : [];
      const found = ids.flatMap((id) => {
        const b = builds.get(id);
        return b ? [b] : [];
      });
      return reply(200, {
        builds: found.map((b) => ({
          id: b.id,
          arn: `arn:aws:codebuild:${region}:${ACCOUNT}:build/${b.id}`,
          projectName: project,
          buildStatus: b.status,
          currentPhase: b.currentPhase,
          startTime: seconds(b.startTime),
          ...(b.endTime ? { endTime: seconds(b.endTime) } : {}),
          initiator: `codepipeline/${opts.pipeline}`,
          logs: {
            groupName: b.groupName,
            streamName: b.streamName,
            deepLink: `https://console.aws.amazon.com/cloudwatch/home?region=${region}#logEvent:group=${encodeURIComponent(b.groupName)};stream=${b.streamName}`,
            cloudWatchLogs: { status: 'ENABLED' },
          },
        })),
        buildsNotFound: ids.filter((id) => !builds.has(id)),
      });
    }
    if (!target.startsWith('CodePipeline_20150709.')) {
      return fail(
        'UnknownOperationException',
        `the stand-in does not implement ${target || '(no X-Amz-Target)'}`,
      );
    }
    if (body.pipelineName !== opts.pipeline) {
      return fail(
        'PipelineNotFoundException',
        `Account '${ACCOUNT}' does not have a pipeline with name '${String(body.pipelineName)}'`,
      );
    }
    if (operation === 'ListPipelineExecutions') {
      const newestFirst = [...executions].sort((a, b) => b.startTime - a.startTime);
      const { items, nextToken } = page(newestFirst, body);
      return reply(200, {
        pipelineExecutionSummaries: items.map(summaryOf),
        ...(nextToken ? { nextToken } : {}),
      });
    }
    if (operation === 'GetPipelineExecution') {
      const e = executions.find((x) => x.pipelineExecutionId === body.pipelineExecutionId);
      if (!e) {
        return fail(
          'PipelineExecutionNotFoundException',
          `Pipeline execution with id '${String(body.pipelineExecutionId)}' does not exist in pipeline with name '${opts.pipeline}'`,
        );
      }
      return reply(200, {
        pipelineExecution: {
          pipelineName: opts.pipeline,
          pipelineVersion: 1,
          pipelineExecutionId: e.pipelineExecutionId,
          status: e.status,
          ...(e.statusSummary ? { statusSummary: e.statusSummary } : {}),
          artifactRevisions: [
            { name: 'SourceArtifact', revisionId: e.versionId, created: seconds(e.startTime) },
          ],
          trigger: summaryOf(e).trigger,
          executionMode: 'SUPERSEDED',
        },
      });
    }
    if (operation === 'ListActionExecutions') {
      const filter = (body.filter ?? {}) as { pipelineExecutionId?: string };
      const chosen = filter.pipelineExecutionId
        ? executions.filter((e) => e.pipelineExecutionId === filter.pipelineExecutionId)
        : executions;
      // Newest first, as AWS lists them.
      const details = chosen
        .flatMap((e) => e.actions.map((a) => ({ e, a })))
        .sort((x, y) => y.a.startTime - x.a.startTime)
        .map(({ e, a }) => actionDetail(e, a));
      const { items, nextToken } = page(details, body);
      return reply(200, { actionExecutionDetails: items, ...(nextToken ? { nextToken } : {}) });
    }
    return fail('UnknownOperationException', `the stand-in does not implement ${target}`);
  }, opts.tls);

  const waitFor = (what: string, check: () => boolean, timeoutMs = 60_000) =>
    new Promise<void>((resolve, reject) => {
      if (check()) return resolve();
      const done = () => {
        if (!check()) return;
        clearInterval(timer);
        clearTimeout(limit);
        listeners.delete(done);
        resolve();
      };
      const timer = setInterval(done, 20);
      const limit = setTimeout(() => {
        clearInterval(timer);
        listeners.delete(done);
        reject(new Error(`the CodePipeline stand-in: ${what} did not happen within ${timeoutMs} ms`));
      }, timeoutMs);
      listeners.add(done);
    });

  return {
    url: double.url,
    tools,
    setPlan: (plan) => tools.setPlan(plan),
    approve(executionId) {
      let n = 0;
      for (const [id, resolve] of [...approvals]) {
        if (executionId && id !== executionId) continue;
        resolve();
        n++;
      }
      return n;
    },
    deny: (operation) => denied.add(operation),
    throttle: (operation, times) => throttled.set(operation, times),
    requests: (operation) => recorded.filter((r) => !operation || r.operation === operation),
    executions: () => executions,
    executionOf: (versionId) => executions.find((e) => e.versionId === versionId),
    waitFor,
    idle: (timeoutMs) => waitFor('every execution ending', () => running.size === 0, timeoutMs),
    async stop() {
      watching = false;
      tools.setPlan({ ...tools.plan(), hold: false });
      await watcher;
      // Executions are awaited until none is left, not as one snapshot: one that reaches its
      // approval after the first round is let through in the next.
      while (running.size > 0) {
        for (const resolve of approvals.values()) resolve();
        await Promise.allSettled([...running]);
      }
      await double.stop();
      s3.destroy();
      logs.destroy();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
