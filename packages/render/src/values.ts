import { readFileSync } from 'node:fs';
import { quote, resolveInWorkspace } from '@slipway/action-kit';
import { RenderParameterError } from './errors.ts';
import type { PyDict, PyValue, YamlVersionWarning } from '@slipway/jinja';

/** Template values: a Python dict, as PyYAML reads a values file (ints stay ints, `2.0` a float). */
export type Values = PyDict;

/** A scalar that YAML 1.1 (what is used, as PyYAML and Helm read it) and YAML 1.2 read differently. */
export interface ValuesWarning {
  /** Workspace-relative file, or undefined for the `values` input. */
  file?: string;
  line: number;
  message: string;
}

// The jinja package (engine and YAML reader) loads only when values or templates are read.
const jinja = () => import('@slipway/jinja');

function isMapping(value: PyValue): value is PyDict {
  return value instanceof Map;
}

/**
 * Merges `override` into `base` the way Helm merges values files: mappings merge key by key,
 * everything else (lists included) is replaced. Neither argument is modified.
 */
export function mergeValues(base: Values, override: Values): Values {
  const out: Values = new Map(base);
  for (const [key, value] of override) {
    const current = out.get(key);
    out.set(
      key,
      current !== undefined && isMapping(current) && isMapping(value) ? mergeValues(current, value) : value,
    );
  }
  return out;
}

function warningFor(w: YamlVersionWarning, file: string | undefined): ValuesWarning {
  const where = file ? `${file} line ${w.line}` : `input values line ${w.line}`;
  return {
    file,
    line: w.line,
    message: `${where}: ${w.text} is read as ${w.yaml11} (YAML 1.1, as PyYAML, Ansible and Helm read it); a YAML 1.2 reader would make it ${w.yaml12}. Quote it if you mean the string.`,
  };
}

/**
 * Reads one values document (a values file or the `values` input) with YAML 1.1 rules, as PyYAML
 * does: `yes`/`no`/`on`/`off` are booleans, `0644` is octal, ints and floats keep their kind.
 * `file` names the values file, when it is one. Throws a RenderParameterError about `text`.
 */
export async function parseValues(
  text: string,
  file?: string,
): Promise<{ values: Values; warnings: ValuesWarning[] }> {
  const { readValuesYaml, ValuesYamlError } = await jinja();
  let read;
  try {
    read = readValuesYaml(text, file ?? 'values');
  } catch (err) {
    if (err instanceof ValuesYamlError) {
      const where = file ? `${quote(file)}${err.line ? ` line ${err.line}` : ''}` : `line ${err.line ?? 1}`;
      const prefix = `${err.file}${err.line === undefined ? '' : `:${err.line}`}: `;
      const reason = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
      throw new RenderParameterError('text', `${where}: ${reason}; use a mapping such as "replicas: 3"`);
    }
    throw err;
  }
  if (read.value === null) return { values: new Map(), warnings: [] };
  if (!isMapping(read.value)) {
    const what = file ? `${quote(file)} must hold` : 'must be';
    throw new RenderParameterError('text', `${what} a mapping such as "replicas: 3"`);
  }
  return { values: read.value, warnings: read.warnings.map((w) => warningFor(w, file)) };
}

/**
 * Reads the `values-files` in order, later files overriding earlier ones. A missing file, one
 * outside the workspace (unless `allowOutside`), or one that is not a YAML mapping is a
 * RenderParameterError about `files` naming the file.
 */
export async function loadValuesFiles(
  files: string[],
  workspace: string,
  opts: { allowOutside?: boolean } = {},
): Promise<{ values: Values; warnings: ValuesWarning[] }> {
  let merged: Values = new Map();
  const warnings: ValuesWarning[] = [];
  for (const file of files) {
    const path = resolveInWorkspace('values-files', file, {
      workspace,
      allowOutside: opts.allowOutside ?? false,
    });
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(err)})`;
      throw new RenderParameterError('files', `${quote(file)} ${why} (looked for ${path})`);
    }
    let read;
    try {
      read = await parseValues(text, file);
    } catch (err) {
      if (err instanceof RenderParameterError) throw new RenderParameterError('files', err.reason);
      throw err;
    }
    warnings.push(...read.warnings);
    merged = mergeValues(merged, read.values);
  }
  return { values: merged, warnings };
}
