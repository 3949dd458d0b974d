import { readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { InputError, Inputs, asInput, quote, type InputSource, type RunContext } from '@slipway/action-kit';
import { parseRepository, type ReleaseFile, type RepositoryRef } from '@slipway/gitops';
import { projectName, releaseTime, releaseVersion } from '@slipway/render';

/** The validated inputs of gitops-publish. */
export interface GitOpsPublishInputs {
  repository: RepositoryRef;
  /** True when the config repository is the one the workflow runs in. */
  sameRepository: boolean;
  token: string;
  project: string;
  environment: string;
  version: string;
  /** undefined = the repository's default branch. */
  branch?: string;
  path: string;
  mode: 'commit' | 'pull-request';
  prune: boolean;
  message: string;
  author: { name: string; email: string };
  autoMerge?: 'MERGE' | 'SQUASH' | 'REBASE';
  manifestsDir: string;
  files: ReleaseFile[];
  /** `slipway/<project>/<environment>`: the branch pull-request mode pushes. */
  headBranch: string;
  tempDir: string;
  apiUrl: string;
  git: { sha: string; repository: string; serverUrl: string; runUrl: string };
}

/** The same rule as render-manifest's project and environment, so both steps take the same values. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const AUTHOR = /^([^<>]+?)\s*<([^<>\s]+@[^<>\s]+)>$/;
/** GitHub Actions' own bot identity: commits show as github-actions[bot]. */
export const DEFAULT_AUTHOR = 'github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>';

function name(input: 'environment' | 'project', value: string): string {
  if (!NAME.test(value) || value.includes('..') || value.endsWith('.lock') || value.endsWith('.')) {
    throw new InputError(
      input,
      `${quote(value)} cannot name a folder and a branch; use up to 63 letters, digits, '.', '-' or '_', starting with a letter or digit (the same values as render-manifest's)`,
    );
  }
  return value;
}

/** The token, raw: read first so it is masked before anything else runs. */
export function readToken(source?: InputSource): string | undefined {
  return new Inputs(source).optional('token');
}

/** The rules of `git check-ref-format --branch`, without running git. */
function isBranchName(value: string): boolean {
  if ([...value].some((c) => c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127)) return false;
  return !(
    /[\s~^:?*[\\]|\.\.|\/\/|@\{/.test(value) ||
    /^[/.-]|[/.]$|\.lock$|\/\./.test(value) ||
    value === '@'
  );
}

function readPath(inputs: Inputs, project: string, environment: string): string {
  const given = inputs.optional('path');
  const value = (given ?? `${project}/${environment}`).replace(/\/+$/, '');
  const parts = value.split('/');
  if (
    !value ||
    value.startsWith('/') ||
    value.includes('\\') ||
    parts.some((p) => p === '' || p === '.' || p === '..' || p.toLowerCase() === '.git')
  ) {
    throw new InputError(
      'path',
      `${quote(given ?? value)} is not a folder inside the repository; use a relative path such as apps/shop/staging (no '..', '.git', or leading '/'; the repository root cannot be pruned)`,
    );
  }
  return value;
}

function listFiles(dir: string, input: string): ReleaseFile[] {
  const files: ReleaseFile[] = [];
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const absolute = join(entry.parentPath, entry.name);
    const rel = relative(dir, absolute).split(sep).join('/');
    if (rel.split('/').some((p) => p === '.git')) {
      throw new InputError(
        input,
        `${quote(dir)} contains a .git folder; pass the folder of rendered files only`,
      );
    }
    if (entry.isSymbolicLink()) {
      throw new InputError(
        input,
        `${quote(rel)} in ${dir} is a symbolic link; the release must be plain files`,
      );
    }
    if (entry.isFile()) files.push({ name: rel, absolute });
  }
  return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Reads and checks every input before git runs: a bad input is one error line naming it, and
 * nothing is fetched or pushed. The token is never quoted in a message. The run's repository,
 * commit, run page and GitHub URLs come from `context`; the workspace and temporary folder from
 * the environment.
 */
export function readInputs(
  source: InputSource,
  context: RunContext,
  env: NodeJS.ProcessEnv = process.env,
): GitOpsPublishInputs {
  const inputs = new Inputs(source);
  const serverUrl = context.serverUrl;
  const repositoryValue = inputs.string('repository', { required: true });
  const parsed = parseRepository(repositoryValue, serverUrl);
  if (!parsed.ok) {
    // A URL may carry a token: show it without its user information.
    const shown = repositoryValue.replace(/\/\/[^/@\s]*@/, '//***@');
    throw new InputError('repository', `${quote(shown)} ${parsed.reason}`);
  }
  const repository = parsed.ref;
  const current = context.repository;
  const sameRepository =
    current.toLowerCase() === repository.fullName.toLowerCase() &&
    new URL(serverUrl).host === new URL(repository.origin).host;

  const token = inputs.optional('token');
  if (!token) {
    throw new InputError(
      'token',
      `is empty; pass a token that can push to ${repository.fullName}: a GitHub App installation token or a fine-grained token with "Contents: Read and write" (the job token, the default, reaches only the repository the workflow runs in)`,
    );
  }
  if (/\s/.test(token)) throw new InputError('token', 'contains whitespace; pass the token alone');

  const environment = name('environment', inputs.string('environment', { required: true }));
  const project = name(
    'project',
    asInput('project', () => projectName(inputs.optional('project'), context)),
  );
  const sha = context.sha;
  const version = asInput('version', () =>
    releaseVersion(inputs.optional('version'), context, releaseTime(env)),
  );

  const branch = inputs.optional('branch');
  if (branch && !isBranchName(branch)) {
    throw new InputError('branch', `${quote(branch)} is not a Git branch name; use e.g. main`);
  }
  const path = readPath(inputs, project, environment);
  const mode = inputs.enum('mode', ['commit', 'pull-request'] as const, 'commit');
  const repoHost = new URL(repository.origin).hostname;
  const loopback = repoHost === '127.0.0.1' || repoHost === 'localhost' || repoHost === '[::1]';
  if (mode === 'pull-request' && !loopback && repoHost !== new URL(serverUrl).hostname) {
    throw new InputError(
      'mode',
      `pull-request opens the pull request through this GitHub server's API (${context.apiUrl}), but ${repository.fullName} is on ${repoHost}; use mode: commit for a repository on another server`,
    );
  }
  const prune = inputs.boolean('prune', true);

  const authorValue = inputs.string('author', { default: DEFAULT_AUTHOR });
  const author = AUTHOR.exec(authorValue);
  if (!author?.[1] || !author[2]) {
    throw new InputError('author', `${quote(authorValue)} is not "Name <email>"; use e.g. ${DEFAULT_AUTHOR}`);
  }

  const autoMergeValue = inputs.enum(
    'auto-merge',
    ['false', 'true', 'merge', 'squash', 'rebase'] as const,
    'false',
  );
  let autoMerge: GitOpsPublishInputs['autoMerge'];
  if (autoMergeValue !== 'false') {
    if (mode !== 'pull-request') {
      throw new InputError(
        'auto-merge',
        'only applies with mode: pull-request; set mode: pull-request or remove auto-merge',
      );
    }
    autoMerge =
      autoMergeValue === 'true' ? 'MERGE' : (autoMergeValue.toUpperCase() as 'MERGE' | 'SQUASH' | 'REBASE');
  }

  const runUrl = context.runUrl ?? '';
  const sourceCommit = sha && current ? `${serverUrl}/${current}/commit/${sha}` : '';
  const message =
    inputs.optional('commit-message') ??
    [
      `Deploy ${project} ${version} to ${environment}`,
      '',
      ...(sourceCommit ? [`Source: ${sourceCommit}`] : []),
      ...(runUrl ? [`Run: ${runUrl}`] : []),
    ]
      .join('\n')
      .trimEnd();

  const workspace = resolve(env.GITHUB_WORKSPACE || process.cwd());
  const tempRoot = env.RUNNER_TEMP || tmpdir();
  const dirInput = inputs.optional('manifests-dir');
  const manifestsDir = dirInput
    ? isAbsolute(dirInput)
      ? dirInput
      : resolve(workspace, dirInput)
    : join(tempRoot, 'render-manifest', `${project}-${environment}`);
  let isDir: boolean;
  try {
    isDir = statSync(manifestsDir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) {
    throw new InputError(
      'manifests-dir',
      `${manifestsDir} is not a folder; run render-manifest before this step in the same job with the same project and environment, or pass its output-dir (relative paths start at the workspace)`,
    );
  }
  const files = listFiles(manifestsDir, 'manifests-dir');
  if (files.length === 0) {
    throw new InputError('manifests-dir', `${manifestsDir} holds no files; nothing would be published`);
  }

  return {
    repository,
    sameRepository,
    token,
    project,
    environment,
    version,
    ...(branch ? { branch } : {}),
    path,
    mode,
    prune,
    message,
    author: { name: author[1], email: author[2] },
    ...(autoMerge ? { autoMerge } : {}),
    manifestsDir,
    files,
    headBranch: `slipway/${project}/${environment}`,
    tempDir: tempRoot,
    apiUrl: context.apiUrl,
    git: { sha, repository: current, serverUrl, runUrl },
  };
}
