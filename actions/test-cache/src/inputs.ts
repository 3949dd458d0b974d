import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import {
  InputError,
  Inputs,
  quote,
  resolveInWorkspace,
  type InputSource,
  type RunContext,
} from '@slipway/action-kit';
// Deep imports keep the start path small: only what validation needs loads before it.
import { ECOSYSTEMS, type Ecosystem } from '@slipway/cache/kinds.ts';
import { homeDir, isGlob, isInside, resolveUserPath } from '@slipway/cache/paths.ts';
import { SAVE_MODES, type SaveMode } from '@slipway/cache/save-policy.ts';

/** The validated inputs of test-cache. */
export interface TestCacheInputs {
  ecosystems: 'auto' | Ecosystem[];
  /** Absolute paths or glob patterns (a leading `!` excludes). */
  paths: string[];
  key: string | undefined;
  prefix: string;
  save: SaveMode;
  saveBranches: string[];
  saveOnFailure: boolean;
  prune: boolean;
}

/** Where relative and `~` paths point. */
export interface PathContext {
  workspace: string;
  home: string;
}

const ECOSYSTEM_CHOICES = ['auto', ...ECOSYSTEMS] as const;

function readEcosystems(inputs: Inputs): 'auto' | Ecosystem[] {
  const items = inputs.list('ecosystem').map((i) => i.toLowerCase());
  if (items.length === 0) return 'auto';
  for (const item of items) {
    if (!(ECOSYSTEM_CHOICES as readonly string[]).includes(item)) {
      throw new InputError(
        'ecosystem',
        `${quote(item)} is not an ecosystem; use auto, or one or more of ${ECOSYSTEMS.join(', ')}`,
      );
    }
  }
  if (items.includes('auto')) {
    if (items.length > 1) {
      throw new InputError(
        'ecosystem',
        `auto detects every ecosystem and cannot be combined with ${items.filter((i) => i !== 'auto').join(', ')}`,
      );
    }
    return 'auto';
  }
  return ECOSYSTEMS.filter((e) => items.includes(e));
}

/**
 * Paths resolve against the workspace (`~` against HOME). A plain path outside the workspace
 * must exist: that is where typos end up (`/hom/runner/.m2`), and the cache would silently never
 * hold anything. HOME is exempt, since dependency caches live there and a cold runner has none yet.
 */
function readPaths(inputs: Inputs, ctx: PathContext): string[] {
  const allowOutside = inputs.boolean('allow-outside-workspace', false);
  return inputs.list('path').map((item) => {
    const negated = item.startsWith('!');
    const raw = negated ? item.slice(1) : item;
    const abs = resolveUserPath(raw, ctx.workspace, ctx.home);
    // A relative path names files of the repository: it may not climb out of the workspace, nor
    // lead out through a symbolic link the repository holds (the cache would save and restore
    // whatever is there). Absolute and ~ paths are the workflow's explicit choice.
    if (!negated && !allowOutside && !isAbsolute(raw) && raw !== '~' && !raw.startsWith('~/')) {
      if (isGlob(raw)) {
        if (!isInside(abs, ctx.workspace)) {
          throw new InputError(
            'path',
            `${quote(item)} is outside the workspace; relative paths name files of the repository (use an absolute or ~ path, or set allow-outside-workspace: true)`,
          );
        }
      } else {
        resolveInWorkspace('path', raw, { workspace: ctx.workspace });
      }
    }
    if (
      !negated &&
      !isGlob(raw) &&
      !isInside(abs, ctx.workspace) &&
      !isInside(abs, ctx.home) &&
      !existsSync(abs)
    ) {
      throw new InputError(
        'path',
        `${quote(item)} is outside the workspace and does not exist; give a path inside the workspace or under ~, or an existing directory`,
      );
    }
    return negated ? `!${abs}` : abs;
  });
}

function readKeyPart(inputs: Inputs, name: 'key' | 'prefix', fallback?: string): string | undefined {
  const value = inputs.optional(name) ?? fallback;
  if (value === undefined) return undefined;
  if (value.length > 100 || !/^[A-Za-z0-9._+=/-]+$/.test(value)) {
    throw new InputError(
      name,
      `${quote(value)} cannot be part of a cache key; use up to 100 letters, digits and . _ + = / - (no commas or spaces)`,
    );
  }
  return value;
}

function readSaveBranches(inputs: Inputs): string[] {
  const branches = inputs.list('save-branches');
  for (const branch of branches) {
    if (/\s/.test(branch) || branch.startsWith('refs/')) {
      throw new InputError(
        'save-branches',
        `${quote(branch)} is not a branch name; list names such as main or release/* (without refs/heads/)`,
      );
    }
  }
  return branches;
}

/** Reads and validates every input before anything touches a cache. */
export function readTestCacheInputs(inputs: Inputs, ctx: PathContext): TestCacheInputs {
  return {
    ecosystems: readEcosystems(inputs),
    paths: readPaths(inputs, ctx),
    key: readKeyPart(inputs, 'key'),
    prefix: readKeyPart(inputs, 'prefix', 'slipway-v1') as string,
    save: inputs.enum('save', SAVE_MODES, 'auto'),
    saveBranches: readSaveBranches(inputs),
    saveOnFailure: inputs.boolean('save-on-failure', false),
    prune: inputs.boolean('prune', true),
  };
}

/**
 * Reads and validates every input before anything touches a cache, with the folders paths are
 * resolved against (the workspace and HOME, from the environment).
 */
export function readInputs(
  source: InputSource,
  _context: RunContext,
  env: NodeJS.ProcessEnv = process.env,
): TestCacheInputs & PathContext {
  const paths: PathContext = { workspace: env.GITHUB_WORKSPACE || process.cwd(), home: homeDir(env) };
  return { ...readTestCacheInputs(new Inputs(source), paths), ...paths };
}
