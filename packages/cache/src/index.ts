export type { Ecosystem } from './kinds.ts';
export { ECOSYSTEMS } from './kinds.ts';
export type { Lockfile } from './lockfiles.ts';
export { classifyLockfile, findLockfiles, hashLockfiles } from './lockfiles.ts';
export type { KeyParts, CacheKeys } from './keys.ts';
export { buildKeys, keyPart, relevantEnv, toolchainHash } from './keys.ts';
export type { SaveMode, SaveContext, SaveDecision } from './save-policy.ts';
export { SAVE_MODES, TRUSTED_SAVE_EVENTS, branchOf, decideSave, matchesBranch } from './save-policy.ts';
export type { ToolResult, ToolOptions } from './tools.ts';
export { runTool } from './tools.ts';
export type { ProbeContext, ProbeResult, ProbeProblem, RustWorkspace } from './ecosystems.ts';
export { probeEcosystem } from './ecosystems.ts';
export type { PlanOptions, CacheEntry, CachePlan, SkippedEcosystem } from './plan.ts';
export { planCaches } from './plan.ts';
export type { PruneOptions, PruneReport } from './cargo-target.ts';
export {
  findProfiles,
  markFingerprintsUnused,
  pruneCargoTarget,
  recordsAccessTimes,
} from './cargo-target.ts';
export { binStagingDir, listCargoBins, stageCargoBins, unstageCargoBins } from './cargo-bin.ts';
export { fromCachePattern, homeDir, isGlob, isInside, resolveUserPath, toCachePattern } from './paths.ts';
export { formatBytes, formatDuration } from './format.ts';
export type { ArchiveMember, ArchiveCompression } from './archive-check.ts';
export { cacheRoots, findEscapingMembers, listTarMembers, memberChecker } from './archive-check.ts';
