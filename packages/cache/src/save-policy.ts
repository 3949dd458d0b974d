import { branchOf } from '@slipway/action-kit';

/** The `save` input. */
export type SaveMode = 'auto' | 'always' | 'never';

/** Every value of {@link SaveMode}. */
export const SAVE_MODES: readonly SaveMode[] = ['auto', 'always', 'never'];

/** What a save decision depends on. */
export interface SaveContext {
  mode: SaveMode;
  /** The primary key was restored exactly. */
  exactHit: boolean;
  /** The run's full ref (the caller's run context), e.g. `refs/heads/main` or `refs/pull/1/merge`. */
  ref: string | undefined;
  /** The repository's default branch when known (event payload); otherwise main and master count. */
  defaultBranch: string | undefined;
  /** Further branches that save under `auto`; `*` matches any run of characters. */
  saveBranches: readonly string[];
  /** The run's event name: under `auto` only events that run the repository's own code save. */
  event: string | undefined;
}

/** Whether to save, and why, in words for the log and the job summary. */
export interface SaveDecision {
  save: boolean;
  reason: string;
}

export { branchOf };

/** `release/*` style matching: `*` is any run of characters, everything else literal. */
export function matchesBranch(branch: string, pattern: string): boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`).test(branch);
}

/**
 * Events whose code is the repository's own: the workflow file and the checked-out code come from
 * a branch or tag of the repository. Every other event (`pull_request_target`, `workflow_run`,
 * `issue_comment`, …) runs with the base branch's cache scope while it may build a fork's code, so
 * an entry it saved would be restored by the default branch and every pull request.
 * https://docs.github.com/en/actions/security-for-github-actions/security-guides/security-hardening-for-github-actions#understanding-the-risk-of-script-injections
 */
export const TRUSTED_SAVE_EVENTS: readonly string[] = [
  'push',
  'schedule',
  'workflow_dispatch',
  'merge_group',
  'release',
];

/**
 * The save policy. Caches are scoped by branch and a pull request can read its base branch's
 * entries, so saving from the default branch feeds every PR, while saving from each PR fills the
 * repository's 10 GB with entries nobody else can read and evicts the useful ones. An exact hit
 * never saves: entries are immutable, the service would refuse the key.
 */
export function decideSave(ctx: SaveContext): SaveDecision {
  if (ctx.mode === 'never') return { save: false, reason: 'save is set to never' };
  if (ctx.exactHit) {
    return { save: false, reason: 'exact hit: this key is already cached (cache entries are immutable)' };
  }
  if (ctx.mode === 'always') return { save: true, reason: 'save is set to always' };
  const branch = branchOf(ctx.ref);
  const defaults = ctx.defaultBranch ? [ctx.defaultBranch] : ['main', 'master'];
  if (branch === undefined) {
    return {
      save: false,
      reason: `${ctx.ref ? `ref ${ctx.ref}` : 'this run'} is not a branch; under save: auto only ${defaults.join(' or ')} and save-branches save`,
    };
  }
  if (ctx.event === undefined || !TRUSTED_SAVE_EVENTS.includes(ctx.event)) {
    return {
      save: false,
      reason: `${ctx.event ? `event ${ctx.event}` : 'a run without GITHUB_EVENT_NAME'} may run code that is not the repository's own in the base branch's cache scope; under save: auto only ${TRUSTED_SAVE_EVENTS.join(', ')} save (save: always overrides)`,
    };
  }
  if (defaults.includes(branch)) {
    return { save: true, reason: `${branch} is the default branch` };
  }
  const match = ctx.saveBranches.find((pattern) => matchesBranch(branch, pattern));
  if (match !== undefined) return { save: true, reason: `${branch} matches save-branches (${match})` };
  return {
    save: false,
    reason: `branch ${branch} is neither the default branch (${defaults.join(' or ')}) nor in save-branches`,
  };
}
