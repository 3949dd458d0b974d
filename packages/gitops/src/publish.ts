import { dirname, join, sep } from 'node:path';
import type { Logger } from '@slipway/action-kit';
import { GitOpsError, explainGitFailure, isNonFastForward, type TokenFacts } from './errors.ts';
import { Git, gitCaBundle, gitEnvironment, type AuthScheme } from './git.ts';
import type { RepositoryRef } from './repository.ts';

// Node's promise file API and timers load on first use, not at every start of the actions that
// import this package: together with child_process (see git.ts) a third of `node -e 0`.
const fsPromises = () => import('node:fs/promises');
const sleep = async (ms: number) => (await import('node:timers/promises')).setTimeout(ms);

/** One rendered file of the release: its path below the publish path, and where it is now. */
export interface ReleaseFile {
  /** Relative POSIX path below `path` in the config repository. */
  name: string;
  /** Absolute path of the rendered file. */
  absolute: string;
}

/** How a file of the config repository changed. */
export interface FileChange {
  status: 'added' | 'modified' | 'deleted';
  /** Path in the config repository. */
  path: string;
}

/** What to publish where, and how. */
export interface PublishOptions {
  repository: RepositoryRef;
  token: string;
  scheme: AuthScheme;
  tokenFacts: TokenFacts;
  /** Branch to commit to (commit mode) or to open the pull request against; undefined = the default branch. */
  branch?: string;
  /** Folder of the config repository that holds this application and environment. */
  path: string;
  files: ReleaseFile[];
  /** Remove files under `path` the release no longer has. */
  prune: boolean;
  mode: 'commit' | 'pull-request';
  /** The branch pull-request mode pushes (updated in place). */
  headBranch: string;
  message: string;
  author: { name: string; email: string };
  /** Parent folder of the temporary clone (removed afterwards). */
  tempDir: string;
  /** Pushes tried in all when the branch keeps moving on (default 5). */
  maxAttempts?: number;
  log: Logger;
  /** Base environment for git (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** What happened in the config repository. */
export interface PublishResult {
  /** The branch the release was published to (commit) or proposed for (pull-request). */
  branch: string;
  /** The branch that received the commit: `branch`, the pull request's branch, or '' when nothing was pushed. */
  pushedBranch: string;
  /** The commit holding the release: the new one, or the branch's tip when nothing changed. */
  commit: string;
  /** The tip of `branch` the change was made on. */
  baseCommit: string;
  changed: boolean;
  changes: FileChange[];
  /** Push attempts made (more than one after non-fast-forward refusals). */
  attempts: number;
}

const STATUS: Record<string, FileChange['status']> = {
  A: 'added',
  M: 'modified',
  D: 'deleted',
  T: 'modified',
};

/** Lists the remote's default branch and branches (`git ls-remote --symref`). */
async function lsRemote(
  git: Git,
  opts: PublishOptions,
): Promise<{ head?: string; branches: Map<string, string> }> {
  const result = await git.run(['ls-remote', '--symref', opts.repository.url, 'HEAD', 'refs/heads/*'], {
    allowFailure: true,
  });
  if (result.code !== 0) {
    throw explainGitFailure(
      result,
      'read',
      where(opts, opts.branch ?? 'the default branch'),
      opts.tokenFacts,
    );
  }
  const branches = new Map<string, string>();
  let head: string | undefined;
  for (const line of result.stdout.split('\n')) {
    const symref = /^ref: refs\/heads\/(\S+)\tHEAD$/.exec(line);
    if (symref) head = symref[1];
    const ref = /^([0-9a-f]{40,64})\trefs\/heads\/(.+)$/.exec(line);
    if (ref?.[1] && ref[2]) branches.set(ref[2], ref[1]);
  }
  return { head, branches };
}

const where = (opts: PublishOptions, branch: string) => ({ repository: opts.repository.fullName, branch });

/** Fetches one branch's tip (shallow) into `refs/remotes/origin/<branch>`; returns its commit. */
async function fetchBranch(git: Git, opts: PublishOptions, branch: string): Promise<string> {
  const result = await git.run(
    [
      'fetch',
      '-q',
      '--no-tags',
      '--depth=1',
      opts.repository.url,
      `+refs/heads/${branch}:refs/remotes/origin/${branch}`,
    ],
    { allowFailure: true },
  );
  if (result.code !== 0) throw explainGitFailure(result, 'read', where(opts, branch), opts.tokenFacts);
  return git.output(['rev-parse', `refs/remotes/origin/${branch}`]);
}

/** Refuses to write through a symbolic link that leads out of the clone. */
async function checkInside(root: string, target: string, path: string): Promise<void> {
  const { realpath } = await fsPromises();
  const real = await realpath(target);
  const base = await realpath(root);
  if (real !== base && !real.startsWith(base + sep)) {
    throw new GitOpsError(
      `path ${path} leads out of the repository through a symbolic link; publish to a real folder`,
    );
  }
}

/**
 * Checks out `base` (or an empty branch) as `target`, writes the release under `path` (pruning
 * first when asked) and stages it. Returns the staged changes; nothing outside `path` is touched.
 */
async function applyRelease(
  git: Git,
  dir: string,
  opts: PublishOptions,
  target: string,
  base: string | undefined,
): Promise<FileChange[]> {
  const { copyFile, mkdir, rm } = await fsPromises();
  if (base) {
    await git.run(['checkout', '-q', '-f', '-B', target, base]);
  } else {
    await git.run(['checkout', '-q', '--orphan', target]);
  }
  await git.run(['clean', '-q', '-fdx']);
  const folder = join(dir, opts.path);
  try {
    if (opts.prune) await rm(folder, { recursive: true, force: true });
    await mkdir(folder, { recursive: true });
  } catch (err) {
    throw new GitOpsError(
      `cannot create ${opts.path} in ${opts.repository.fullName}: ${(err as Error).message}; a file of the repository may stand where a folder is needed`,
    );
  }
  await checkInside(dir, folder, opts.path);
  for (const file of opts.files) {
    const dest = join(folder, file.name);
    await mkdir(dirname(dest), { recursive: true });
    await checkInside(dir, dirname(dest), `${opts.path}/${file.name}`);
    await rm(dest, { recursive: true, force: true });
    await copyFile(file.absolute, dest);
  }
  await git.run(['add', '-A', '--', opts.path]);
  const diff = await git.run(['diff', '--cached', '--name-status', '--no-renames', '-z']);
  const fields = diff.stdout.split('\0').filter(Boolean);
  const changes: FileChange[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    changes.push({ status: STATUS[fields[i]?.[0] ?? 'M'] ?? 'modified', path: fields[i + 1] ?? '' });
  }
  return changes;
}

function describeChanges(changes: FileChange[]): string {
  const count = (s: FileChange['status']) => changes.filter((c) => c.status === s).length;
  return `${count('added')} added, ${count('modified')} modified, ${count('deleted')} deleted`;
}

/** Waits a little before re-applying on a moved branch: 250 ms doubling, with jitter, at most 4 s. */
const backoff = (attempt: number) => Math.min(4000, 250 * 2 ** (attempt - 1)) * (0.5 + Math.random());

/**
 * Publishes the release into the config repository in a temporary clone, removed afterwards.
 *
 * commit: writes `path` on `branch`, commits and pushes; a push refused because the branch moved
 * on is retried on the new tip (fetch, re-apply, commit), up to `maxAttempts` pushes. Nothing is
 * committed when the release is already there.
 *
 * pull-request: builds the same commit on `headBranch` from the tip of `branch` and force-pushes
 * it (the branch is regenerated each time, so it always holds exactly one release on top of the
 * base); the caller opens or updates the pull request.
 */
export async function publishRelease(opts: PublishOptions): Promise<PublishResult> {
  const { mkdir, mkdtemp, rm, writeFile } = await fsPromises();
  await mkdir(opts.tempDir, { recursive: true });
  const root = await mkdtemp(join(opts.tempDir, 'slipway-gitops-'));
  try {
    // The clone in a folder of its own: `git clean` there must not reach the CA bundle beside it.
    const dir = join(root, 'repo');
    await mkdir(dir);
    const bundle = await gitCaBundle(opts.env ?? process.env, opts.repository.url);
    const caInfo = bundle === undefined ? undefined : join(root, 'ca-bundle.pem');
    if (caInfo) await writeFile(caInfo, bundle ?? '');
    return await publishIn(dir, opts, caInfo);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

async function publishIn(dir: string, opts: PublishOptions, caInfo?: string): Promise<PublishResult> {
  const { log } = opts;
  const env = gitEnvironment(
    {
      ...(opts.env ?? process.env),
      GIT_AUTHOR_NAME: opts.author.name,
      GIT_AUTHOR_EMAIL: opts.author.email,
      GIT_COMMITTER_NAME: opts.author.name,
      GIT_COMMITTER_EMAIL: opts.author.email,
    },
    { token: opts.token, scheme: opts.scheme, origin: opts.repository.origin },
    caInfo,
  );
  const git = new Git(dir, env);
  const version = /git version (\d+)\.(\d+)/.exec(await git.output(['version']));
  if (version && (Number(version[1]) < 2 || (Number(version[1]) === 2 && Number(version[2]) < 31))) {
    // Older git ignores GIT_CONFIG_COUNT: it would push without the token.
    throw new GitOpsError(
      `git ${version[1]}.${version[2]} is too old: gitops-publish needs git 2.31 or later (GIT_CONFIG_COUNT); install a newer git on the runner`,
    );
  }
  await git.run(['init', '-q']);
  const remote = await lsRemote(git, opts);
  const branch = opts.branch ?? remote.head ?? (remote.branches.size === 0 ? 'main' : undefined);
  if (!branch) {
    throw new GitOpsError(
      `${opts.repository.fullName} does not say which branch is its default; set the branch input`,
    );
  }
  const exists = remote.branches.has(branch);
  if (!exists && (remote.branches.size > 0 || opts.mode === 'pull-request')) {
    const known = [...remote.branches.keys()].slice(0, 10).join(', ') || 'none';
    throw new GitOpsError(
      `${opts.repository.fullName} has no branch ${branch} (branches: ${known}); create it first, or leave branch empty for the default branch`,
    );
  }
  if (!exists) log.info(`${opts.repository.fullName} is empty: ${branch} starts with this release`);

  const maxAttempts = opts.maxAttempts ?? 5;
  const target = opts.mode === 'commit' ? branch : opts.headBranch;
  for (let attempt = 1; ; attempt++) {
    const baseCommit = exists || attempt > 1 ? await fetchBranch(git, opts, branch) : '';
    if (baseCommit) log.info(`${opts.repository.fullName} ${branch} is at ${baseCommit.slice(0, 12)}`);
    const changes = await applyRelease(
      git,
      dir,
      opts,
      target,
      baseCommit ? `refs/remotes/origin/${branch}` : undefined,
    );
    if (changes.length === 0) {
      log.info(`${opts.path} on ${branch} already holds this release: nothing to commit`);
      return {
        branch,
        pushedBranch: '',
        commit: baseCommit,
        baseCommit,
        changed: false,
        changes,
        attempts: attempt - 1,
      };
    }
    log.info(`${opts.path}: ${describeChanges(changes)}`);
    for (const c of changes) log.debug(`${c.status} ${c.path}`);
    await git.run(['commit', '-q', '--no-verify', '-m', opts.message]);
    const commit = await git.output(['rev-parse', 'HEAD']);

    const pushArgs = ['push', '--porcelain'];
    if (opts.mode === 'pull-request') {
      const previous = remote.branches.get(target);
      if (previous && attempt === 1) {
        const reused = await reuseHeadBranch(git, opts, target, baseCommit, commit);
        if (reused) {
          log.info(
            `${target} already holds this release on ${branch} at ${reused.slice(0, 12)}: not pushed again`,
          );
          return {
            branch,
            pushedBranch: target,
            commit: reused,
            baseCommit,
            changed: true,
            changes,
            attempts: 0,
          };
        }
      }
      // Regenerated from the base each time: replace it, unless someone else pushed it meanwhile.
      pushArgs.push(`--force-with-lease=refs/heads/${target}:${attempt === 1 ? (previous ?? '') : ''}`);
    }
    const push = await git.run([...pushArgs, opts.repository.url, `HEAD:refs/heads/${target}`], {
      allowFailure: true,
    });
    if (push.code === 0) {
      log.info(`pushed ${commit.slice(0, 12)} to ${opts.repository.fullName} ${target}`);
      return { branch, pushedBranch: target, commit, baseCommit, changed: true, changes, attempts: attempt };
    }
    if (opts.mode === 'commit' && isNonFastForward(push) && attempt < maxAttempts) {
      const wait = Math.round(backoff(attempt));
      log.info(
        `${branch} moved on while publishing (push refused as non-fast-forward); fetching the new tip and applying the release again in ${wait} ms (attempt ${attempt + 1} of ${maxAttempts})`,
      );
      await sleep(wait);
      continue;
    }
    if (isNonFastForward(push)) {
      throw new GitOpsError(
        opts.mode === 'commit'
          ? `${branch} of ${opts.repository.fullName} kept moving on: ${maxAttempts} pushes were refused as non-fast-forward; run the job again`
          : `${target} of ${opts.repository.fullName} was pushed by someone else meanwhile; run the job again`,
      );
    }
    throw explainGitFailure(push, 'push', where(opts, target), opts.tokenFacts);
  }
}

/**
 * The pull request's branch tip when it already holds exactly this release on top of `baseCommit`
 * (same tree, same parent), so a re-run pushes nothing and leaves the pull request as it is.
 */
async function reuseHeadBranch(
  git: Git,
  opts: PublishOptions,
  head: string,
  baseCommit: string,
  commit: string,
): Promise<string | undefined> {
  const tip = await fetchBranch(git, opts, head);
  const object = await git.output(['cat-file', '-p', tip]);
  const parents = [...object.matchAll(/^parent ([0-9a-f]+)$/gm)].map((m) => m[1]);
  const sameTree =
    (await git.output(['rev-parse', `${tip}^{tree}`])) ===
    (await git.output(['rev-parse', `${commit}^{tree}`]));
  return sameTree && parents.length === 1 && parents[0] === baseCommit ? tip : undefined;
}
