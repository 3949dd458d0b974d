import { defineState } from '@slipway/action-kit';
import type { RustWorkspace, SaveMode } from '@slipway/cache';

/** One cache entry, as the post step needs it. */
export interface StoredEntry {
  ecosystem: string;
  key: string;
  restoreKeys: string[];
  paths: string[];
  restoredKey?: string;
  exactHit: boolean;
  rust?: { cargoHome: string; workspaces: RustWorkspace[]; binsBefore: string[] };
}

/** What main hands to post. No secrets: keys, paths and settings only. */
export interface TestCacheState {
  entries: StoredEntry[];
  save: SaveMode;
  saveBranches: string[];
  saveOnFailure: boolean;
  prune: boolean;
  ref?: string;
  /** `GITHUB_EVENT_NAME` of the run. */
  event?: string;
  defaultBranch?: string;
  /** Epoch ms the main step started: anything used or built since counts as used by this run. */
  startedAt: number;
  /** The file system records reads, so unused Rust units can be told apart. */
  readsRecorded: boolean;
  workspace: string;
  home: string;
  /** Why the cache service cannot be used (an untrusted certificate), found while restoring. */
  untrusted?: string;
}

/** The state slot main writes and post reads. */
export const cacheState = defineState<TestCacheState>('test-cache');

/**
 * Exported to the job by main when save-on-failure is true; action.yml's post-if reads it, since
 * the runner decides whether a post step runs but never tells the step how the job went.
 */
export const SAVE_ON_FAILURE_ENV = 'SLIPWAY_TEST_CACHE_ON_FAILURE';
