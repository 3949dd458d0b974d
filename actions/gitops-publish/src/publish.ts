import { ActionError, markdownTable, type Logger, type RunContext } from '@slipway/action-kit';
import {
  GitOpsError,
  authorizationHeader,
  publishRelease,
  type FileChange,
  type PublishResult,
} from '@slipway/gitops';
import type { GitOpsPublishInputs } from './inputs.ts';

/** The outputs of gitops-publish, as the step writes them. */
export interface GitOpsPublishOutputs extends Record<string, string> {
  commit: string;
  changed: string;
  'pull-request-url': string;
  'pull-request-number': string;
  path: string;
}

/** What gitops-publish did: its outputs and the job summary. */
export interface GitOpsPublishResult {
  outputs: GitOpsPublishOutputs;
  summary: string;
}

/** Values that must never be printed: the token and the Basic header git sends. */
export function tokenSecrets(token: string): string[] {
  const header = authorizationHeader(token, 'basic').replace(/^Authorization: Basic /, '');
  return [token, header];
}

const MAX_ROWS = 100;

function changeTable(changes: FileChange[]): string {
  const rows = changes.slice(0, MAX_ROWS).map((c) => [c.status, `\`${c.path}\``]);
  const more = changes.length > MAX_ROWS ? `\n…and ${changes.length - MAX_ROWS} more file(s).\n` : '';
  return markdownTable(['change', 'file'], rows) + more;
}

/** The pull request's body: what is released where, the files that change, and the links back. */
export function pullRequestBody(inputs: GitOpsPublishInputs, result: PublishResult): string {
  const links = [
    inputs.git.sha
      ? `source commit [\`${inputs.git.sha.slice(0, 7)}\`](${inputs.git.serverUrl}/${inputs.git.repository}/commit/${inputs.git.sha})`
      : '',
    inputs.git.runUrl ? `[workflow run](${inputs.git.runUrl})` : '',
  ].filter(Boolean);
  return [
    `Release **${inputs.version}** of **${inputs.project}** for **${inputs.environment}**, into \`${inputs.path}\` of \`${result.branch}\`.`,
    '',
    changeTable(result.changes),
    links.length ? links.join(' · ') : '',
    '',
    `<sub>Opened by Slipway gitops-publish. The branch \`${inputs.headBranch}\` is rebuilt from \`${result.branch}\` on every release: merging it deploys this release; the next release updates this pull request.</sub>`,
  ].join('\n');
}

/** Removes every secret from a message, in case a server echoed one. */
function redactor(secrets: string[]): (text: string) => string {
  return (text) => secrets.reduce((t, s) => (s ? t.split(s).join('***') : t), text);
}

/**
 * Publishes the rendered release into the config repository (commit or pull request) and returns
 * the outputs and the summary; writes neither itself, so the root action can compose it. A git or
 * GitHub failure is an ActionError; no message, expected or not, carries the token.
 */
export async function gitopsPublish(
  inputs: GitOpsPublishInputs,
  _context: RunContext,
  log: Logger,
): Promise<GitOpsPublishResult> {
  const redact = redactor(tokenSecrets(inputs.token));
  try {
    return await publish(inputs, log);
  } catch (err) {
    if (err instanceof GitOpsError) throw new ActionError(redact(err.message));
    if (err instanceof Error) err.message = redact(err.message);
    throw err;
  }
}

async function publish(inputs: GitOpsPublishInputs, log: Logger): Promise<GitOpsPublishResult> {
  log.info(
    `publishing ${inputs.files.length} file(s) of ${inputs.project} ${inputs.version} for ${inputs.environment} to ${inputs.repository.fullName}:${inputs.path} (${inputs.mode})`,
  );
  const result = await log.group(`Git: ${inputs.repository.fullName} ${inputs.path}`, () =>
    publishRelease({
      repository: inputs.repository,
      token: inputs.token,
      scheme: 'basic',
      tokenFacts: { repository: inputs.repository.fullName, sameRepository: inputs.sameRepository },
      ...(inputs.branch ? { branch: inputs.branch } : {}),
      path: inputs.path,
      files: inputs.files,
      prune: inputs.prune,
      mode: inputs.mode,
      headBranch: inputs.headBranch,
      message: inputs.message,
      author: inputs.author,
      tempDir: inputs.tempDir,
      log,
    }),
  );
  const outputs: GitOpsPublishOutputs = {
    commit: result.commit,
    changed: String(result.changed),
    'pull-request-url': '',
    'pull-request-number': '',
    path: inputs.path,
  };
  let prLine = '';
  if (inputs.mode === 'pull-request' && result.changed) {
    const { openOrUpdatePullRequest } = await import('@slipway/gitops/pull-request.ts');
    const pr = await log.group('GitHub: pull request', () =>
      openOrUpdatePullRequest({
        apiUrl: inputs.apiUrl,
        token: inputs.token,
        owner: inputs.repository.owner,
        repo: inputs.repository.name,
        head: inputs.headBranch,
        base: result.branch,
        title:
          inputs.message.split('\n')[0] ??
          `Deploy ${inputs.project} ${inputs.version} to ${inputs.environment}`,
        body: pullRequestBody(inputs, result),
        ...(inputs.autoMerge ? { autoMerge: inputs.autoMerge } : {}),
        log,
      }),
    );
    outputs['pull-request-url'] = pr.url;
    outputs['pull-request-number'] = String(pr.number);
    prLine = `[#${pr.number}](${pr.url}) ${pr.created ? 'opened' : 'updated'}${pr.autoMerge ? ', auto-merge on' : ''}`;
  }
  const outcome = !result.changed
    ? 'unchanged: nothing committed'
    : inputs.mode === 'commit'
      ? `committed \`${result.commit.slice(0, 12)}\`${result.attempts > 1 ? ` (after ${result.attempts - 1} retried push(es))` : ''}`
      : `proposed on \`${result.pushedBranch}\` at \`${result.commit.slice(0, 12)}\``;
  const summary = [
    '### GitOps publish',
    '',
    markdownTable(
      ['repository', 'branch', 'path', 'version', 'result', ...(prLine ? ['pull request'] : [])],
      [
        [
          inputs.repository.fullName,
          result.branch,
          inputs.path,
          inputs.version,
          outcome,
          ...(prLine ? [prLine] : []),
        ],
      ],
    ),
    result.changes.length ? changeTable(result.changes) : '',
  ].join('\n');
  return { outputs, summary };
}
