import type * as CodePipelineSdk from '@aws-sdk/client-codepipeline';
import type {
  ActionExecutionDetail,
  CodePipelineClient,
  PipelineExecution,
  PipelineExecutionSummary,
} from '@aws-sdk/client-codepipeline';
import { ActionError, type Logger } from '@slipway/action-kit';
import { awsErrorCode, clientConfig, explainAwsError } from '@slipway/aws';
import {
  Deadline,
  clockTime,
  formatDuration,
  realClock,
  type ReleaseOutcome,
  type WaitSettings,
} from './outcome.ts';

/** The release to follow through CodePipeline. */
export interface PipelineRelease {
  pipeline: string;
  /** S3 object version of the release artifact: the execution's source revision. */
  versionId: string;
  region: string;
  /** How many lines of a failed CodeBuild action's log to show. */
  logLines: number;
}

/** Pages of ListPipelineExecutions read on the first search (later searches read the newest page). */
const FIRST_SEARCH_PAGES = 10;

/** The console page of a pipeline, or of one of its executions. */
export function pipelineConsoleUrl(region: string, pipeline: string, executionId?: string): string {
  const base = `https://${region}.console.aws.amazon.com/codesuite/codepipeline/pipelines/${encodeURIComponent(pipeline)}`;
  return executionId
    ? `${base}/executions/${encodeURIComponent(executionId)}/timeline?region=${region}`
    : `${base}/view?region=${region}`;
}

const TERMINAL_FAILED = new Set(['Failed', 'Stopped', 'Cancelled']);

interface Calls {
  client: CodePipelineClient;
  sdk: typeof CodePipelineSdk;
  release: PipelineRelease;
  /** API requests made, for the summary and the bench. */
  requests: number;
}

async function call<T>(calls: Calls, action: string, send: () => Promise<T>): Promise<T> {
  calls.requests++;
  try {
    return await send();
  } catch (err) {
    const code = awsErrorCode(err);
    if (code === 'PipelineNotFoundException') {
      throw new ActionError(
        `pipeline ${calls.release.pipeline} does not exist in ${calls.release.region}: check the pipeline input and the region (AWS_REGION)`,
      );
    }
    throw explainAwsError(err, {
      action: `codepipeline:${action}`,
      resource: `pipeline ${calls.release.pipeline}`,
    });
  }
}

/**
 * The first execution, newest first, for which `stop` holds, reading at most `pages` pages: the
 * first search looks back through history; later ones only at the newest page, where an execution
 * that has just started appears.
 */
async function listExecutions(
  calls: Calls,
  pages: number,
  stop: (summary: PipelineExecutionSummary) => boolean,
): Promise<PipelineExecutionSummary | undefined> {
  let nextToken: string | undefined;
  for (let page = 0; page < pages; page++) {
    const out = await call(calls, 'ListPipelineExecutions', () =>
      calls.client.send(
        new calls.sdk.ListPipelineExecutionsCommand({
          pipelineName: calls.release.pipeline,
          maxResults: 100,
          ...(nextToken ? { nextToken } : {}),
        }),
      ),
    );
    const found = (out.pipelineExecutionSummaries ?? []).find(stop);
    if (found) return found;
    nextToken = out.nextToken;
    if (!nextToken) return undefined;
  }
  return undefined;
}

const hasVersion = (versionId: string) => (s: PipelineExecutionSummary) =>
  (s.sourceRevisions ?? []).some((r) => r.revisionId === versionId);

function actionName(a: ActionExecutionDetail): string {
  return `${a.stageName ?? '?'} › ${a.actionName ?? '?'}`;
}

function took(a: ActionExecutionDetail): string {
  return a.startTime && a.lastUpdateTime
    ? formatDuration(a.lastUpdateTime.getTime() - a.startTime.getTime())
    : '';
}

function errorSummary(a: ActionExecutionDetail | undefined, execution: PipelineExecution): string {
  const result = a?.output?.executionResult;
  return (
    result?.errorDetails?.message ||
    result?.externalExecutionSummary ||
    execution.statusSummary ||
    `the execution ended ${execution.status ?? 'unsuccessfully'}`
  );
}

/** Prints each action as it starts and ends, and a manual approval once while it waits. */
class Reporter {
  private readonly seen = new Map<string, string>();
  private readonly announced = new Set<string>();
  constructor(
    private readonly log: Logger,
    private readonly url: string,
  ) {}

  report(actions: ActionExecutionDetail[]): void {
    const ordered = [...actions].sort(
      (a, b) => (a.startTime?.getTime() ?? 0) - (b.startTime?.getTime() ?? 0),
    );
    for (const a of ordered) {
      const key = a.actionExecutionId ?? `${a.stageName}/${a.actionName}`;
      const status = a.status ?? 'InProgress';
      const before = this.seen.get(key);
      if (before === status) continue;
      this.seen.set(key, status);
      const name = actionName(a);
      if (before === undefined) this.log.info(`▶ ${name} started at ${clockTime(a.startTime)}`);
      if (status === 'InProgress') {
        if (a.input?.actionTypeId?.category === 'Approval' && !this.announced.has(key)) {
          this.announced.add(key);
          this.log.info(`⏸ ${name} is waiting for a manual approval: ${this.url}`);
        }
        continue;
      }
      const at = clockTime(a.lastUpdateTime);
      const time = took(a);
      if (status === 'Succeeded') this.log.info(`✔ ${name} succeeded at ${at}${time ? ` (${time})` : ''}`);
      else if (status === 'Failed') {
        const summary =
          a.output?.executionResult?.errorDetails?.message ||
          a.output?.executionResult?.externalExecutionSummary;
        this.log.info(`✖ ${name} failed at ${at}${time ? ` (${time})` : ''}${summary ? `: ${summary}` : ''}`);
      } else this.log.info(`■ ${name} ${status.toLowerCase()} at ${at}`);
    }
  }
}

/**
 * CodeBuild echoes each command in full when it starts ("Running command <command>") and again when
 * it fails ("Command did not exit successfully <command> exit status 1"); for the multi-line
 * commands of a buildspec those echoes would fill the tail. The failure echo is shortened to one
 * line, and the start echo of the same command is dropped when its lines are in the tail, so the
 * tail shows what the commands printed.
 */
export function withoutCommandEchoes(lines: string[]): string[] {
  const FAILED = /^(\[Container\] .*Command did not exit successfully) ?(.*)$/;
  const STATUS = / exit status \d+$/;
  // The failed commands, as echoed (their lines, the last one without " exit status N").
  const failed: string[][] = [];
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const echo = FAILED.exec(line);
    if (!echo || STATUS.test(line)) {
      out.push(line);
      continue;
    }
    let end = i + 1;
    while (end < lines.length && !STATUS.test(lines[end] as string)) end++;
    if (end >= lines.length) {
      out.push(...lines.slice(i));
      break;
    }
    const last = lines[end] as string;
    failed.push([echo[2] ?? '', ...lines.slice(i + 1, end), last.replace(STATUS, '')]);
    out.push(`${echo[1]} (the command above)${STATUS.exec(last)?.[0] ?? ''}`);
    i = end;
  }
  const result: string[] = [];
  for (let i = 0; i < out.length; i++) {
    const line = out[i] as string;
    result.push(line);
    const started = /^\[Container\] .*Running command (.*)$/.exec(line);
    if (!started) continue;
    const command = failed.find(
      (c) => c[0] === started[1] && c.slice(1).every((l, k) => out[i + 1 + k] === l),
    );
    if (command) i += command.length - 1;
  }
  return result;
}

/** The last `lines` lines of the CodeBuild log of a failed action; warns and returns [] when it cannot. */
async function buildLogTail(
  release: PipelineRelease,
  action: ActionExecutionDetail,
  log: Logger,
): Promise<string[]> {
  const buildId = action.output?.executionResult?.externalExecutionId;
  if (action.input?.actionTypeId?.provider !== 'CodeBuild' || !buildId || release.logLines === 0) return [];
  const config = await clientConfig(release.region);
  let step = 'codebuild:BatchGetBuilds';
  try {
    const cb = await import('@aws-sdk/client-codebuild');
    const codebuild = new cb.CodeBuildClient(config);
    let group: string | undefined;
    let stream: string | undefined;
    try {
      const out = await codebuild.send(new cb.BatchGetBuildsCommand({ ids: [buildId] }));
      const logs = out.builds?.[0]?.logs;
      group = logs?.groupName;
      stream = logs?.streamName;
    } finally {
      codebuild.destroy();
    }
    if (!group || !stream) {
      log.warning(`build ${buildId} has no CloudWatch Logs stream: its log cannot be shown here`);
      return [];
    }
    step = 'logs:GetLogEvents';
    const cw = await import('@aws-sdk/client-cloudwatch-logs');
    const logs = new cw.CloudWatchLogsClient(config);
    try {
      const out = await logs.send(
        new cw.GetLogEventsCommand({
          logGroupName: group,
          logStreamName: stream,
          startFromHead: false,
          // Room for CodeBuild's echo of the failed command, which is dropped below.
          limit: Math.min(10_000, release.logLines + 200),
        }),
      );
      const lines = (out.events ?? []).flatMap((e) => (e.message ?? '').replace(/\r?\n$/, '').split(/\r?\n/));
      return withoutCommandEchoes(lines).slice(-release.logLines);
    } finally {
      logs.destroy();
    }
  } catch (err) {
    const explained = explainAwsError(err, { action: step, resource: `build ${buildId}` });
    log.warning(`the build log cannot be shown: ${explained.message}`);
    return [];
  }
}

/**
 * Follows the CodePipeline execution whose source revision is the release's S3 version: finds it
 * (it may start a few seconds after the upload), then polls it — one GetPipelineExecution and one
 * ListActionExecutions per interval — printing each action as it starts and ends, until it
 * succeeds (live), fails or is stopped (failed, with the failed build's log tail), is overtaken by
 * a newer release (superseded), or the timeout passes (timed-out).
 */
export async function followPipelineRelease(
  release: PipelineRelease,
  settings: WaitSettings,
  log: Logger,
): Promise<ReleaseOutcome & { requests: number }> {
  const clock = settings.clock ?? realClock;
  const deadline = new Deadline(clock, settings.timeoutMs);
  const sdk = await import('@aws-sdk/client-codepipeline');
  const client = new sdk.CodePipelineClient(await clientConfig(release.region));
  const calls: Calls = { client, sdk, release, requests: 0 };
  const { pipeline, versionId, region } = release;
  const base: Pick<ReleaseOutcome, 'failedStage' | 'logTail' | 'steps'> = {
    failedStage: '',
    logTail: [],
    steps: [],
  };
  try {
    log.info(`Looking for the execution of pipeline ${pipeline} whose source is S3 version ${versionId}`);
    let summary: PipelineExecutionSummary | undefined;
    for (let attempt = 0; ; attempt++) {
      summary = await listExecutions(calls, attempt === 0 ? FIRST_SEARCH_PAGES : 1, hasVersion(versionId));
      if (summary) break;
      if (attempt === 0)
        log.info('No execution has it yet (it starts when the pipeline notices the upload); waiting');
      if (deadline.passed()) {
        return {
          ...base,
          status: 'timed-out',
          detail: `no execution of pipeline ${pipeline} has S3 version ${versionId} as its source after ${formatDuration(deadline.elapsed())}: check that the pipeline's source action watches the bucket and key the release was published to`,
          url: pipelineConsoleUrl(region, pipeline),
          durationMs: deadline.elapsed(),
          facts: [
            ['pipeline', pipeline],
            ['version id', versionId],
          ],
          requests: calls.requests,
        };
      }
      await deadline.wait(settings.intervalMs);
    }

    const id = summary.pipelineExecutionId ?? '';
    const url = pipelineConsoleUrl(region, pipeline, id);
    log.info(
      `Following execution ${id} of ${pipeline}${summary.startTime ? ` (started at ${clockTime(summary.startTime)})` : ''}: ${url}`,
    );
    const reporter = new Reporter(log, url);
    const facts: [string, string][] = [
      ['pipeline', pipeline],
      ['execution', id],
      ['version id', versionId],
    ];
    for (;;) {
      const { pipelineExecution: execution = {} } = await call(calls, 'GetPipelineExecution', () =>
        client.send(new sdk.GetPipelineExecutionCommand({ pipelineName: pipeline, pipelineExecutionId: id })),
      );
      const actions: ActionExecutionDetail[] = [];
      let nextToken: string | undefined;
      do {
        const page = await call(calls, 'ListActionExecutions', () =>
          client.send(
            new sdk.ListActionExecutionsCommand({
              pipelineName: pipeline,
              filter: { pipelineExecutionId: id },
              maxResults: 100,
              ...(nextToken ? { nextToken } : {}),
            }),
          ),
        );
        actions.push(...(page.actionExecutionDetails ?? []));
        nextToken = page.nextToken;
      } while (nextToken);
      reporter.report(actions);
      const status = execution.status ?? 'InProgress';
      const steps = [...actions]
        .sort((a, b) => (a.startTime?.getTime() ?? 0) - (b.startTime?.getTime() ?? 0))
        .map((a) => ({
          name: actionName(a),
          status: a.status ?? 'InProgress',
          started: clockTime(a.startTime),
          took: a.status === 'InProgress' ? '' : took(a),
        }));
      const done = (o: Omit<ReleaseOutcome, 'url' | 'durationMs' | 'facts' | 'steps'>) => ({
        ...o,
        url,
        durationMs: deadline.elapsed(),
        facts,
        steps,
        requests: calls.requests,
      });

      if (status === 'Succeeded') {
        return done({
          ...base,
          status: 'live',
          detail: `execution ${id} of ${pipeline} succeeded`,
        });
      }
      if (status === 'Superseded') {
        const started = summary.startTime?.getTime() ?? 0;
        // The execution that overtook this one is the first started after it.
        let newer: PipelineExecutionSummary | undefined;
        const out = await call(calls, 'ListPipelineExecutions', () =>
          client.send(new sdk.ListPipelineExecutionsCommand({ pipelineName: pipeline, maxResults: 100 })),
        );
        for (const s of out.pipelineExecutionSummaries ?? []) {
          if ((s.startTime?.getTime() ?? 0) > started && s.pipelineExecutionId !== id) newer = s;
        }
        const revision = newer?.sourceRevisions?.[0]?.revisionId;
        const by = newer
          ? `execution ${newer.pipelineExecutionId}${revision ? ` (S3 version ${revision})` : ''}`
          : 'a newer execution';
        log.info(`Execution ${id} was superseded by ${by}: a newer release overtook it`);
        return done({ ...base, status: 'superseded', detail: `superseded by ${by}` });
      }
      if (TERMINAL_FAILED.has(status)) {
        const failed =
          [...actions].reverse().find((a) => a.status === 'Failed') ??
          [...actions].reverse().find((a) => a.status === 'InProgress' || a.status === 'Abandoned');
        const summaryText = errorSummary(failed, execution);
        const where = failed ? `stage ${failed.stageName}, action ${failed.actionName}` : `execution ${id}`;
        const verb = status === 'Failed' ? 'failed' : status.toLowerCase();
        const detail = `${where} ${verb}: ${summaryText}`;
        const logTail = failed ? await buildLogTail(release, failed, log) : [];
        if (logTail.length) {
          await log.group(`Last ${logTail.length} lines of the build log`, async () => {
            for (const line of logTail) log.info(line);
          });
        }
        return done({ status: 'failed', detail, failedStage: failed?.stageName ?? '', logTail });
      }
      if (deadline.passed()) {
        const running = actions.filter((a) => a.status === 'InProgress').map(actionName);
        return done({
          ...base,
          status: 'timed-out',
          detail: `execution ${id} of ${pipeline} was still ${status}${running.length ? ` (${running.join(', ')})` : ''} after ${formatDuration(deadline.elapsed())}`,
        });
      }
      await deadline.wait(settings.intervalMs);
    }
  } finally {
    client.destroy();
  }
}
