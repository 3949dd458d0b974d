// GitOps publishing: a release written into a config repository with the git binary, the token
// kept in the environment of each git command only. The pull-request module (Octokit) is a
// separate entry, loaded only in pull-request mode.
export type { RepositoryRef, ParsedRepository } from './repository.ts';
export { parseRepository } from './repository.ts';
export type { AuthScheme, GitResult } from './git.ts';
export { Git, GitCommandError, authorizationHeader, gitEnvironment } from './git.ts';
export type { GitOperation, TokenFacts } from './errors.ts';
export { GitOpsError, explainGitFailure, isNonFastForward, isProtectedBranch } from './errors.ts';
export type { FileChange, PublishOptions, PublishResult, ReleaseFile } from './publish.ts';
export { publishRelease } from './publish.ts';
