/**
 * The steps of a Slipway release, run by .github/workflows/release.yml and usable by hand. The
 * version lives in one place, the root package.json; a release tags it as `vX.Y.Z` (created once,
 * never moved) and moves the major tag `vX` to it (docs/releasing.md).
 *
 *   node scripts/release.ts check [--version X.Y.Z]   version format and package.json, CHANGELOG.md
 *                                                     section, clean dist/, tag free or at HEAD
 *   node scripts/release.ts notes [--version X.Y.Z]   prints the CHANGELOG.md section (release notes)
 *   node scripts/release.ts tag [--version X.Y.Z] [--remote origin]
 *                                                     check, then create and push vX.Y.Z, move vX;
 *                                                     latest=true|false into $GITHUB_OUTPUT
 *   node scripts/release.ts ci --sha SHA [--workflow ci.yml]
 *                                                     the ci workflow passed on SHA (GitHub API;
 *                                                     GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL)
 *
 * Works on the git repository of the current directory. Node builtins only: the job that holds
 * `contents: write` runs it with plain `node`, without installing any dependency.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { distChanges, staleDistMessage } from './lib/dist-status.ts';

/** A failure the person releasing can fix; printed as one message, without a stack. */
export class ReleaseError extends Error {}

const VERSION = /^v?(\d+)\.(\d+)\.(\d+)$/;

/** A release version: `X.Y.Z` with its numbers. */
export interface Version {
  text: string;
  major: number;
  minor: number;
  patch: number;
}

/** Parses `X.Y.Z` or `vX.Y.Z`; anything else (pre-releases included) is refused. */
export function parseVersion(value: string): Version {
  const m = VERSION.exec(value.trim());
  if (!m) {
    throw new ReleaseError(
      `version "${value}" is not a release version: expected X.Y.Z (e.g. 1.2.3), optionally with a leading v`,
    );
  }
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return { text: `${major}.${minor}.${patch}`, major, minor, patch };
}

const compareVersions = (a: Version, b: Version) =>
  a.major - b.major || a.minor - b.minor || a.patch - b.patch;

/**
 * The body of the `## [X.Y.Z]` section of a Keep a Changelog file, without its heading and up to
 * the next `## ` heading or the link definitions at the bottom; undefined when there is none.
 */
export function changelogSection(changelog: string, version: string): string | undefined {
  const lines = changelog.split(/\r?\n/);
  const heading = new RegExp(`^##\\s+\\[?v?${version.replace(/\./g, '\\.')}\\]?(?:\\s|$)`);
  const start = lines.findIndex((l) => heading.test(l));
  if (start < 0) return undefined;
  const body: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^##?\s/.test(line) || /^\[[^\]]+\]:\s*\S/.test(line)) break;
    body.push(line);
  }
  const text = body.join('\n').trim();
  return text === '' ? undefined : text;
}

function git(cwd: string, args: string[]): string {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (e) {
    const stderr = (e as { stderr?: string }).stderr?.trim();
    throw new ReleaseError(`git ${args.join(' ')} failed${stderr ? `: ${stderr}` : ''}`);
  }
}

/** The top folder of the git work tree holding `cwd`. */
export function repositoryRoot(cwd: string): string {
  return git(cwd, ['rev-parse', '--show-toplevel']);
}

/** The version of the root package.json: the one place the version lives. */
export function packageVersion(root: string): Version {
  const file = join(root, 'package.json');
  if (!existsSync(file)) throw new ReleaseError(`no package.json in ${root}`);
  const { version } = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown };
  if (typeof version !== 'string') throw new ReleaseError('package.json has no "version"');
  return parseVersion(version);
}

/** Tag name → commit it points at (annotated tags peeled), from the local repository. */
function localTags(root: string): Map<string, string> {
  const out = git(root, [
    'for-each-ref',
    '--format=%(refname:strip=2) %(objectname) %(*objectname)',
    'refs/tags',
  ]);
  const tags = new Map<string, string>();
  for (const line of out.split('\n').filter(Boolean)) {
    const [name = '', object = '', peeled = ''] = line.split(' ');
    tags.set(name, peeled || object);
  }
  return tags;
}

/** Tag name → commit, as the remote has them; undefined when the remote is not configured. */
function remoteTags(root: string, remote: string): Map<string, string> | undefined {
  try {
    execFileSync('git', ['remote', 'get-url', remote], { cwd: root, stdio: 'ignore' });
  } catch {
    return undefined;
  }
  const out = git(root, ['ls-remote', '--tags', remote]);
  const tags = new Map<string, string>();
  for (const line of out.split('\n').filter(Boolean)) {
    const [sha = '', ref = ''] = line.split('\t');
    const name = ref.replace(/^refs\/tags\//, '');
    if (name.endsWith('^{}')) tags.set(name.slice(0, -3), sha);
    else if (!tags.has(name)) tags.set(name, sha);
  }
  return tags;
}

/** What `check` found, for `tag` to act on. */
export interface CheckResult {
  root: string;
  version: Version;
  head: string;
  notes: string;
  /** Tag names → commits, local and remote together (the remote wins). */
  tags: Map<string, string>;
  /** Where the remote has vX.Y.Z (undefined: not there). */
  remoteTag: string | undefined;
  remoteConfigured: boolean;
}

/** Options of the subcommands. */
export interface ReleaseOptions {
  /** The version asked for; package.json's when absent (and it must equal package.json's). */
  version?: string;
  remote?: string;
}

/**
 * Everything that must hold before a release: a release version equal to package.json's, a
 * non-empty CHANGELOG.md section for it, a dist/ with nothing uncommitted, and a `vX.Y.Z` tag
 * that either does not exist (locally or on the remote) or already points at HEAD (a re-run).
 */
export function check(cwd: string, options: ReleaseOptions = {}): CheckResult {
  const root = repositoryRoot(cwd);
  const inPackage = packageVersion(root);
  const version = options.version === undefined ? inPackage : parseVersion(options.version);
  if (version.text !== inPackage.text) {
    throw new ReleaseError(
      `version ${version.text} is not the version in package.json (${inPackage.text}): ` +
        'set "version" in package.json, commit it, and release that commit',
    );
  }
  const changelogFile = join(root, 'CHANGELOG.md');
  if (!existsSync(changelogFile)) throw new ReleaseError('CHANGELOG.md is missing');
  const notes = changelogSection(readFileSync(changelogFile, 'utf8'), version.text);
  if (notes === undefined) {
    throw new ReleaseError(
      `CHANGELOG.md has no section for ${version.text}: add "## [${version.text}] - YYYY-MM-DD" ` +
        'with what changed for users (move the entries of [Unreleased] under it)',
    );
  }
  const changes = distChanges(root);
  if (changes.length > 0) throw new ReleaseError(staleDistMessage(changes));

  const head = git(root, ['rev-parse', 'HEAD']);
  const remote = options.remote ?? 'origin';
  const remoteList = remoteTags(root, remote);
  const local = localTags(root);
  const tags = new Map([...local, ...(remoteList ?? [])]);
  const tag = `v${version.text}`;
  for (const [where, commit] of [
    ['locally', local.get(tag)],
    [`on ${remote}`, remoteList?.get(tag)],
  ] as const) {
    if (commit !== undefined && commit !== head) {
      throw new ReleaseError(
        `tag ${tag} already exists ${where} at ${commit.slice(0, 12)}, not at HEAD (${head.slice(0, 12)}): ` +
          'a released version is never moved; release a new version instead',
      );
    }
  }
  return {
    root,
    version,
    head,
    notes,
    tags,
    remoteTag: remoteList?.get(tag),
    remoteConfigured: remoteList !== undefined,
  };
}

/** What `tag` did. */
export interface TagResult {
  tag: string;
  /** False when vX.Y.Z was already at HEAD (a re-run). */
  created: boolean;
  major: string;
  /** False when a higher vX.* release exists, which keeps the major tag. */
  movedMajor: boolean;
  /** True when no higher release exists in any major: the GitHub release is marked Latest. */
  latest: boolean;
  log: string[];
}

/**
 * Creates the annotated tag `vX.Y.Z` at HEAD (unless it is there already) and pushes it without
 * force, so an existing release tag can never be replaced; then moves the major tag `vX` to HEAD
 * and force-pushes that one only — unless a higher `vX.*` release exists (a fix released on an
 * older line), which keeps `vX` where it is.
 */
export function tag(cwd: string, options: ReleaseOptions = {}): TagResult {
  const result = check(cwd, options);
  const { root, version, head } = result;
  const remote = options.remote ?? 'origin';
  if (!result.remoteConfigured) throw new ReleaseError(`git remote "${remote}" is not configured`);
  const name = `v${version.text}`;
  const major = `v${version.major}`;
  const log: string[] = [];

  const local = localTags(root).get(name);
  let created = false;
  if (local === undefined && result.remoteTag !== undefined) {
    git(root, ['fetch', '--no-tags', remote, `refs/tags/${name}:refs/tags/${name}`]);
  } else if (local === undefined) {
    git(root, ['tag', '--annotate', name, '--message', `Slipway ${name}`, head]);
    created = true;
  }
  if (result.remoteTag === undefined) {
    git(root, ['push', remote, `refs/tags/${name}`]);
    log.push(`created ${name} at ${head}`);
  } else {
    log.push(`${name} is already at ${head}`);
  }

  const releases = [...result.tags.keys()]
    .filter((t) => VERSION.test(t) && t.startsWith('v'))
    .map(parseVersion);
  const higher = releases
    .filter((v) => v.major === version.major && compareVersions(v, version) > 0)
    .sort(compareVersions)
    .pop();
  const latest = !releases.some((v) => compareVersions(v, version) > 0);
  let movedMajor = false;
  if (higher) {
    log.push(`kept ${major} where it is: v${higher.text} is a higher ${major} release`);
  } else {
    const before = result.tags.get(major);
    git(root, ['tag', '--force', '--annotate', major, '--message', `Slipway ${major} (${name})`, head]);
    git(root, ['push', '--force', remote, `refs/tags/${major}`]);
    movedMajor = true;
    log.push(
      before === undefined
        ? `created ${major} at ${head}`
        : before === head
          ? `${major} is at ${head}`
          : `moved ${major} from ${before} to ${head}`,
    );
  }
  return { tag: name, created, major, movedMajor, latest, log };
}

/** One run of a workflow, as the GitHub REST API lists them. */
interface WorkflowRun {
  head_sha?: string;
  status?: string;
  conclusion?: string | null;
  html_url?: string;
  event?: string;
}

/** Where to ask GitHub, and with what; read from the environment of a workflow run. */
export interface CiOptions {
  sha: string;
  workflow?: string;
  repository?: string;
  apiUrl?: string;
  token?: string;
}

/**
 * Asks the GitHub API whether the workflow (default `ci.yml`) has a successful run on `sha`, and
 * returns that run's address; throws what is wrong otherwise (no run, still running, failed, or
 * a token without `actions: read`).
 * https://docs.github.com/en/rest/actions/workflow-runs#list-workflow-runs-for-a-workflow
 */
export async function ciPassed(options: CiOptions): Promise<string> {
  const workflow = options.workflow ?? 'ci.yml';
  const { sha, repository, token } = options;
  const apiUrl = (options.apiUrl ?? 'https://api.github.com').replace(/\/+$/, '');
  if (!/^[0-9a-f]{40}$/.test(sha)) throw new ReleaseError(`--sha "${sha}" is not a full commit SHA`);
  if (!repository || !/^[\w.-]+\/[\w.-]+$/.test(repository)) {
    throw new ReleaseError('GITHUB_REPOSITORY must name the repository as owner/name');
  }
  if (!token) throw new ReleaseError('GITHUB_TOKEN is empty: the ci check needs a token with actions: read');
  const url =
    `${apiUrl}/repos/${repository}/actions/workflows/${encodeURIComponent(workflow)}/runs` +
    `?head_sha=${sha}&per_page=100`;
  const response = await fetch(url, {
    headers: {
      accept: 'application/vnd.github+json',
      authorization: `Bearer ${token}`,
      'x-github-api-version': '2022-11-28',
      'user-agent': 'slipway-release',
    },
  });
  if (response.status === 401 || response.status === 403) {
    throw new ReleaseError(
      `GitHub refused to list the ${workflow} runs (HTTP ${response.status}): the job needs permissions: actions: read`,
    );
  }
  if (response.status === 404) {
    throw new ReleaseError(
      `GitHub found no workflow ${workflow} in ${repository} (HTTP 404), or the token lacks actions: read`,
    );
  }
  if (!response.ok)
    throw new ReleaseError(`GitHub answered HTTP ${response.status} for the ${workflow} runs`);
  const body = (await response.json()) as { workflow_runs?: WorkflowRun[] };
  const runs = (body.workflow_runs ?? []).filter((r) => r.head_sha === sha);
  const passed = runs.find((r) => r.status === 'completed' && r.conclusion === 'success');
  if (passed) return passed.html_url ?? `${workflow} run on ${sha}`;
  const short = sha.slice(0, 12);
  if (runs.some((r) => r.status !== 'completed')) {
    throw new ReleaseError(`${workflow} is still running on ${short}: release once it has passed`);
  }
  if (runs.length > 0) {
    const failed = runs[0];
    throw new ReleaseError(
      `${workflow} did not pass on ${short} (${failed?.conclusion ?? 'no conclusion'}: ${failed?.html_url ?? ''}): ` +
        'fix it, or re-run it if it was a flake, then release',
    );
  }
  throw new ReleaseError(
    `${workflow} has no run on ${short}: release a commit ${workflow} ran on (it runs on every push to main)`,
  );
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (value === undefined || value.startsWith('--')) throw new ReleaseError(`${name} needs a value`);
  return value;
}

const USAGE =
  'usage: node scripts/release.ts check|notes|tag [--version X.Y.Z] [--remote origin]\n' +
  '       node scripts/release.ts ci --sha SHA [--workflow ci.yml]';

/** Runs one subcommand; returns the exit code. */
export async function main(args: string[], cwd = process.cwd()): Promise<number> {
  const [command, ...rest] = args;
  const options: ReleaseOptions = {};
  try {
    const version = option(rest, '--version');
    const remote = option(rest, '--remote');
    if (version !== undefined) options.version = version;
    if (remote !== undefined) options.remote = remote;
    switch (command) {
      case 'check': {
        const r = check(cwd, options);
        console.log(
          `release v${r.version.text} of ${r.head}: version, CHANGELOG.md section, dist/ and tag are ready`,
        );
        return 0;
      }
      case 'notes':
        process.stdout.write(`${check(cwd, options).notes}\n`);
        return 0;
      case 'tag': {
        const r = tag(cwd, options);
        for (const line of r.log) console.log(line);
        // For the release step: a fix of an older line must not become the Latest release.
        if (process.env.GITHUB_OUTPUT) appendFileSync(process.env.GITHUB_OUTPUT, `latest=${r.latest}\n`);
        return 0;
      }
      case 'ci': {
        const url = await ciPassed({
          sha: option(rest, '--sha') ?? '',
          workflow: option(rest, '--workflow') ?? 'ci.yml',
          repository: process.env.GITHUB_REPOSITORY,
          apiUrl: process.env.GITHUB_API_URL,
          token: process.env.GITHUB_TOKEN,
        });
        console.log(`ci passed: ${url}`);
        return 0;
      }
      default:
        console.error(USAGE);
        return 2;
    }
  } catch (e) {
    if (!(e instanceof ReleaseError)) throw e;
    const [first = '', ...more] = e.message.split('\n');
    if (process.env.GITHUB_ACTIONS === 'true') console.log(`::error title=release ${command}::${first}`);
    console.error(`release ${command}: ${[first, ...more].join('\n')}`);
    return 1;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2));
}
