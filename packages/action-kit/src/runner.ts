/**
 * The GitHub Actions runner protocol, through `@actions/core`: workflow commands, the GITHUB_*
 * command files, masking, the job summary and OIDC tokens all come from the toolkit, so Slipway
 * behaves as every other JavaScript action does. This module only adapts core to Slipway's
 * `Logger` and adds what core leaves to its callers (masking each line of a multi-line secret,
 * the post-step marker, Markdown tables).
 */
import * as core from '@actions/core';
import type { AnnotationProperties, Logger } from './logger.ts';

/** Writes a line to the step log. */
export function writeLine(line: string): void {
  core.info(line);
}

/** Annotation properties as written in a workflow command (`line`, `col`) to core's names. */
function fromCommandProperties(properties: Record<string, unknown>): core.AnnotationProperties {
  const number = (v: unknown) => (v === undefined || v === '' ? undefined : Number(v));
  const text = (v: unknown) => (v === undefined || v === '' ? undefined : String(v));
  return {
    title: text(properties.title),
    file: text(properties.file),
    startLine: number(properties.line),
    endLine: number(properties.endLine),
    startColumn: number(properties.col),
    endColumn: number(properties.endColumn),
  };
}

/**
 * Issues a workflow command by its name (`error`, `warning`, `notice`, `debug`, `add-mask`,
 * `group`, `endgroup`), through the matching `@actions/core` function.
 */
export function issueCommand(
  command: string,
  message: string,
  properties: Record<string, unknown> = {},
): void {
  switch (command) {
    case 'error':
    case 'warning':
    case 'notice':
      core[command](message, fromCommandProperties(properties));
      return;
    case 'debug':
      core.debug(message);
      return;
    case 'add-mask':
      core.setSecret(message);
      return;
    case 'group':
      core.startGroup(message);
      return;
    case 'endgroup':
      core.endGroup();
      return;
    default:
      throw new Error(`unsupported workflow command ${command}; use the @actions/core function for it`);
  }
}

/** Sets a step output. */
export function setOutput(name: string, value: string | number | boolean): void {
  core.setOutput(name, String(value));
}

/** Sets every defined output of the record. */
export function setOutputs(values: Record<string, string | number | boolean | undefined>): void {
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined) setOutput(name, value);
  }
}

/** Saves a value for the post step (read back as STATE_<name>). */
export function saveState(name: string, value: string): void {
  core.saveState(name, value);
}

/** Reads a value the main step saved. */
export function getState(name: string): string {
  return core.getState(name);
}

/** Exports an environment variable to this and later steps of the job. */
export function exportVariable(name: string, value: string): void {
  core.exportVariable(name, value);
}

/** Prepends a directory to PATH for this and later steps. */
export function addPath(dir: string): void {
  core.addPath(dir);
}

/**
 * Registers a secret with the runner before anything can print it. Each line of a multi-line
 * value is registered on its own too, because the runner masks line by line.
 */
export function setSecret(value: string): void {
  if (!value) return;
  core.setSecret(value);
  if (/[\r\n]/.test(value)) {
    for (const line of value.split(/\r?\n/)) if (line.trim()) core.setSecret(line);
  }
}

/** True in the post step: the main step always leaves `isPost` in the state. */
export function isPost(): boolean {
  return getState('isPost') === 'true';
}

/** Marks the main step as started so the post step knows it is the post step. */
export function markMainStarted(): void {
  saveState('isPost', 'true');
}

/** Whether step debug logging is on (RUNNER_DEBUG=1), for output too costly to build otherwise. */
export function isDebug(): boolean {
  return core.isDebug();
}

/**
 * An OIDC ID token for `audience` from the runner (needs `permissions: id-token: write`); the
 * token is masked before it is returned.
 */
export function getIDToken(audience?: string): Promise<string> {
  return core.getIDToken(audience);
}

/** A notice annotation: something the workflow author should see that is not a problem. */
export function notice(message: string, props?: AnnotationProperties): void {
  core.notice(message, props);
}

/** The runner logger. */
export const log: Logger = {
  debug: (message) => core.debug(message),
  info: (message) => core.info(message),
  warning: (message, props) => core.warning(message, props),
  error: (message, props) => core.error(message, props),
  group: (name, fn) => core.group(name, fn),
};

let summaryWrites: Promise<void> = Promise.resolve();
let summaryError: unknown;

/**
 * Appends Markdown to the job summary through `core.summary`; a no-op outside a runner. Writes
 * keep their order; the returned promise settles when this one is on disk, and `runAction`
 * waits for all of them (and fails the step on a failed one) before the step ends.
 */
export function appendSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return Promise.resolve();
  const write = summaryWrites.then(async () => {
    await core.summary.addRaw(markdown, !markdown.endsWith('\n')).write();
  });
  summaryWrites = write.catch((err: unknown) => {
    summaryError ??= err;
  });
  return write;
}

/** Settles when every summary write so far is done; rejects with the first that failed. */
export async function summaryWritten(): Promise<void> {
  await summaryWrites;
  if (summaryError !== undefined) throw summaryError;
}

/** A Markdown table; `|` and newlines in cells are escaped so a value cannot break the layout. */
export function markdownTable(header: string[], rows: string[][]): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
  const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n') + '\n';
}
