/**
 * The GitHub Actions runner protocol: workflow commands on stdout and the GITHUB_* command files.
 *
 * Written by hand instead of importing @actions/core: core pulls @actions/http-client and its
 * OIDC helpers into every start, which alone costs more than the whole start-up budget of an
 * action (≤ 1.5× `node -e 0`). The protocol itself is small and documented:
 * https://docs.github.com/actions/reference/workflow-commands-for-github-actions
 */
import { appendFileSync, writeSync } from 'node:fs';
import { EOL } from 'node:os';
import type { AnnotationProperties, Logger } from './logger.ts';

/** Writes a line to stdout synchronously, so nothing is lost when the process exits right after. */
export function writeLine(line: string): void {
  const data = Buffer.from(line + EOL);
  let offset = 0;
  while (offset < data.length) {
    try {
      offset += writeSync(1, data, offset);
    } catch (err) {
      // A non-blocking pipe that is full answers EAGAIN: try again until the reader catches up.
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    }
  }
}

function escapeData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(value: string): string {
  return escapeData(value).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** Issues `::command key=value,…::message`. */
export function issueCommand(
  command: string,
  message: string,
  properties: Record<string, unknown> = {},
): void {
  const props = Object.entries(properties)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${escapeProperty(String(v))}`)
    .join(',');
  writeLine(`::${command}${props ? ' ' + props : ''}::${escapeData(message)}`);
}

function annotationProps(props: AnnotationProperties = {}): Record<string, unknown> {
  return {
    title: props.title,
    file: props.file,
    line: props.startLine,
    endLine: props.endLine,
    col: props.startColumn,
  };
}

/**
 * Appends `name<<DELIMITER` … to a command file. A value containing the delimiter is refused, so
 * no value can end its block early; that check is what makes it safe, which is why Math.random is
 * enough here (webcrypto's randomUUID would load on every action start).
 */
function appendFileCommand(envVar: string, name: string, value: string): boolean {
  const file = process.env[envVar];
  if (!file) return false;
  const delimiter = `ghadelimiter_${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
  if (name.includes(delimiter) || value.includes(delimiter)) {
    throw new Error(`unexpected input: ${envVar} value contains the delimiter`);
  }
  appendFileSync(file, `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`, 'utf8');
  return true;
}

/** Sets a step output (GITHUB_OUTPUT; the deprecated command only where no file exists, e.g. old runners). */
export function setOutput(name: string, value: string | number | boolean): void {
  if (!appendFileCommand('GITHUB_OUTPUT', name, String(value))) {
    writeLine(EOL);
    issueCommand('set-output', String(value), { name });
  }
}

/** Sets every defined output of the record. */
export function setOutputs(values: Record<string, string | number | boolean | undefined>): void {
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined) setOutput(name, value);
  }
}

/** Saves a value for the post step (read back as STATE_<name>). */
export function saveState(name: string, value: string): void {
  if (!appendFileCommand('GITHUB_STATE', name, value)) issueCommand('save-state', value, { name });
}

/** Reads a value the main step saved. */
export function getState(name: string): string {
  return process.env[`STATE_${name}`] ?? '';
}

/** Exports an environment variable to this and later steps of the job. */
export function exportVariable(name: string, value: string): void {
  process.env[name] = value;
  if (!appendFileCommand('GITHUB_ENV', name, value)) issueCommand('set-env', value, { name });
}

/** Prepends a directory to PATH for this and later steps. */
export function addPath(dir: string): void {
  const file = process.env.GITHUB_PATH;
  if (file) appendFileSync(file, dir + EOL, 'utf8');
  else issueCommand('add-path', dir);
  process.env.PATH = `${dir}:${process.env.PATH ?? ''}`;
}

/**
 * Registers a secret with the runner before anything can print it. Each line of a multi-line
 * value is registered on its own too, because the runner masks line by line.
 */
export function setSecret(value: string): void {
  if (!value) return;
  issueCommand('add-mask', value);
  if (/[\r\n]/.test(value)) {
    for (const line of value.split(/\r?\n/)) if (line.trim()) issueCommand('add-mask', line);
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

function isDebug(): boolean {
  return process.env.RUNNER_DEBUG === '1';
}

/** The runner logger: workflow commands on stdout. */
export const log: Logger = {
  debug: (message) => issueCommand('debug', message),
  info: (message) => writeLine(message),
  warning: (message, props) => issueCommand('warning', message, annotationProps(props)),
  error: (message, props) => issueCommand('error', message, annotationProps(props)),
  async group(name, fn) {
    writeLine(`::group::${escapeData(name)}`);
    try {
      return await fn();
    } finally {
      writeLine('::endgroup::');
    }
  },
};

/** Whether step debug logging is on (RUNNER_DEBUG=1), for output too costly to build otherwise. */
export { isDebug };

/** Appends Markdown to the job summary; a no-op outside a runner. */
export function appendSummary(markdown: string): void {
  const file = process.env.GITHUB_STEP_SUMMARY;
  if (file) appendFileSync(file, markdown.endsWith('\n') ? markdown : markdown + '\n', 'utf8');
}

/** A Markdown table; `|` and newlines in cells are escaped so a value cannot break the layout. */
export function markdownTable(header: string[], rows: string[][]): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
  const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n') + '\n';
}
