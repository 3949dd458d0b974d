import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { InputError } from './errors.ts';
import { quote } from './inputs.ts';

/** How {@link resolveInWorkspace} treats a path. */
export interface WorkspacePathOptions {
  /** The folder paths must stay in; GITHUB_WORKSPACE, else the working directory. */
  workspace?: string;
  /** `allow-outside-workspace: true`: any path is accepted (still resolved and returned real). */
  allowOutside?: boolean;
  /** The input that allows paths outside, named in the error; `allow-outside-workspace` by default. */
  allowInput?: string;
}

/** The workspace folder of this job: GITHUB_WORKSPACE, else the working directory. */
export function workspaceDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.GITHUB_WORKSPACE || process.cwd());
}

/**
 * The real path of `path`, symbolic links resolved, also when it does not exist yet (an output
 * folder): the deepest existing ancestor is resolved and the rest appended.
 */
export function realPathOf(path: string): string {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    try {
      return join(realpathSync(current), ...missing.reverse());
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const parent = dirname(current);
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || parent === current) return join(current, ...missing);
      missing.push(basename(current));
      current = parent;
    }
  }
}

/** True when `path` is `dir` or lies below it, by path components (not by string prefix). */
export function isWithin(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/**
 * Resolves a path input against the workspace and returns its real path (symbolic links
 * resolved). A path whose real location is outside the workspace — `../`, an absolute path, or a
 * symbolic link out of it — is an InputError naming the input, unless `allowOutside` is set. The
 * rule keeps a pull request that edits a workflow's inputs or commits a symbolic link from making
 * an action read or write files of the runner it should not (other checkouts, credentials).
 */
export function resolveInWorkspace(input: string, path: string, opts: WorkspacePathOptions = {}): string {
  const workspace = opts.workspace ?? workspaceDir();
  const real = realPathOf(resolve(workspace, path));
  if (opts.allowOutside) return real;
  const realWorkspace = realPathOf(resolve(workspace));
  if (!isWithin(real, realWorkspace)) {
    const via = real !== resolve(workspace, path) ? `, which resolves to ${real},` : '';
    throw new InputError(
      input,
      `${quote(path)}${via} is outside the workspace ${realWorkspace}; use a path inside GITHUB_WORKSPACE, or set ${opts.allowInput ?? 'allow-outside-workspace'}: true to allow it (e.g. for files built under RUNNER_TEMP)`,
    );
  }
  return real;
}
