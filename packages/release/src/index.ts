// Follows one release until it is live or has failed: through CodePipeline, an HTTP endpoint that
// reports its version, or an Argo CD application.
export type { Clock, ReleaseOutcome, ReleaseStatus, WaitSettings } from './outcome.ts';
export { RELEASE_STATUSES, Deadline, clockTime, formatDuration, realClock } from './outcome.ts';
export type { PipelineRelease } from './codepipeline.ts';
export { followPipelineRelease, pipelineConsoleUrl, withoutCommandEchoes } from './codepipeline.ts';
export type { UrlRelease, VersionLocation } from './url.ts';
export { followUrlRelease, describeLocation, readJsonPointer } from './url.ts';
export type { ArgoRelease } from './argocd.ts';
export { followArgoRelease, argoAppUrl, sameRevision, unhealthyResources } from './argocd.ts';
export type { ReleaseHandoff } from './handoff.ts';
export { RELEASE_VARIABLE, toHandoff, parseHandoff } from './handoff.ts';
