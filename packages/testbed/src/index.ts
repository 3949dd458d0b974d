// The Slipway test bed: real servers (moto, docker-registry, dockerd), the Slack and cache-service
// doubles, and the runner harness that runs built action bundles the way the GitHub runner does.
export { startTestbed, withTestbed, ALL_COMPONENTS } from './testbed.ts';
export type { ComponentName, StartTestbedOptions, Testbed } from './testbed.ts';
export { testbed, hasTestbed, awsEnv, uniqueName, TESTBED_ENV } from './endpoints.ts';
export type { TestbedEndpoints } from './endpoints.ts';
export {
  runActionStep,
  allText,
  actionYmlPath,
  bundlePath,
  inputEnvName,
  nodeBinary,
  TEST_SHA,
  evaluateCondition,
} from './harness.ts';
export type { ActionRun, RunActionOptions, Annotation, JobStatus } from './harness.ts';
export { parseAnnotations, parseKeyValueFile, parseMasks } from './workflow-commands.ts';
export { ComponentStartError, freePort } from './process.ts';
export { startMoto } from './components/moto.ts';
export type { MotoServer, StartMotoOptions } from './components/moto.ts';
export { startRegistry } from './components/registry.ts';
export type { RegistryServer, StartRegistryOptions } from './components/registry.ts';
export {
  startDockerd,
  startDockerEngine,
  findRunnerEngine,
  RUNNER_DOCKER_HOST,
} from './components/dockerd.ts';
export type { DockerDaemon, StartDockerdOptions } from './components/dockerd.ts';
export { startSlackDouble, SlackDouble, SLACK_LIMITS, validateBlocks } from './doubles/slack.ts';
export type { SlackMessage, SlackDoubleServer } from './doubles/slack.ts';
export { startCacheDouble, CacheDouble } from './doubles/cache.ts';
export { startGitHubDouble, GitHubDouble } from './doubles/github.ts';
export type { GitHubDoubleServer, PullRequestRecord } from './doubles/github.ts';
export {
  startGitServer,
  createGitRepository,
  gitLog,
  gitFiles,
  gitBranches,
} from './components/git-server.ts';
export type {
  GitServer,
  GitAccess,
  CreateGitRepositoryOptions,
  GitCommitInfo,
} from './components/git-server.ts';
export { watchProcesses, gitArgvRecorder } from './process-watch.ts';
export type { ProcessWatch, GitArgvRecorder } from './process-watch.ts';
export type { CacheEntryInfo, CacheDoubleServer } from './doubles/cache.ts';
export type { FailurePlan, RecordedRequest } from './doubles/http-double.ts';
export { writeOciLayout, writeOciImageFromDir, readOciLayout, writeDockerArchive } from './images.ts';
export type { TestImageOptions, OciLayoutInfo, LayerInfo, DirImageConfig } from './images.ts';
export { createRestrictedUser, restrictedUserRequests } from './iam.ts';
export type { IamUserKeys, PolicyDocument } from './iam.ts';
export { repoRoot, shortTempDir } from './paths.ts';
export { dockerCli } from './docker-cli.ts';
export { startProxy } from './components/proxy.ts';
export type { ProxyServer, StartProxyOptions } from './components/proxy.ts';
export { createTestCertificates, probeStatus } from './tls.ts';
export type { ServerTls, TestCertificates } from './tls.ts';
export { currentLogDir } from './run-dir.ts';
export { startPipelineStandIn } from './doubles/codepipeline.ts';
export type {
  PipelineStandIn,
  PipelineStandInOptions,
  PipelineRequest,
  ExecutionRecord,
} from './doubles/codepipeline.ts';
export { writeDeployTools } from './doubles/deploy-tools.ts';
export type { DeployToolPlan, DeployTools } from './doubles/deploy-tools.ts';
export { startVersionService, startArgoCdStandIn } from './doubles/release-targets.ts';
export type {
  VersionService,
  VersionAnswer,
  ArgoCdStandIn,
  ArgoApplicationState,
} from './doubles/release-targets.ts';
