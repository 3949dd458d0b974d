export type { AnnotationProperties, Logger } from './logger.ts';
export { silentLogger, collectingLogger } from './logger.ts';
export { InputError, ActionError, ParameterError, asInput } from './errors.ts';
export type { InputSource } from './inputs.ts';
export { Inputs, envInputs, mapInputs, parseDuration, quote } from './inputs.ts';
export {
  log,
  setOutput,
  setOutputs,
  setSecret,
  saveState,
  getState,
  exportVariable,
  addPath,
  isPost,
  isDebug,
  appendSummary,
  markdownTable,
  writeLine,
  issueCommand,
  getIDToken,
  notice,
  summaryWritten,
} from './runner.ts';
export type { StateSlot } from './state.ts';
export { defineState } from './state.ts';
export type { ActionSteps } from './run-action.ts';
export { runAction } from './run-action.ts';
export type { RetryOptions } from './retry.ts';
export { withRetry, isTransientNetworkError } from './retry.ts';
export type { WorkspacePathOptions } from './workspace-paths.ts';
export { isWithin, realPathOf, resolveInWorkspace, workspaceDir } from './workspace-paths.ts';
export type { RunContext } from './context.ts';
export { runContext, readRunContext, branchOf } from './context.ts';
export { formatBytes, formatDuration } from './format.ts';
export {
  defineAction,
  ActionFailure,
  FileProblems,
  type ActionDefinition,
  type ActionResult,
  type FileProblem,
  type OutputValues,
} from './action.ts';
