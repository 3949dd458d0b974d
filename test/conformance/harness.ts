/**
 * The conformance harness: loads the case files under `cases/`, renders every case with Python's
 * Jinja2 (one `oracle.py` process for all of them) and with `@slipway/jinja`, and compares.
 * Used by the differential unit test and by `npm run conformance`.
 *
 * A case: `{ name, template, values?, partials?, expect?, shape? }`. `values` is YAML text read as
 * PyYAML's `safe_load` reads it (our side: `readValuesYaml`); `partials` are the other templates
 * the loader serves; `expect: error` documents that Jinja2 raises (the oracle decides); `shape`
 * is a regular expression both outputs must match instead of being compared byte for byte (for
 * `random` and `lipsum`). When Jinja2 raises, the engine must raise (messages need not match).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import {
  Environment,
  TemplateError,
  ValuesYamlError,
  readValuesYaml,
} from '../../packages/jinja/src/index.ts';
import type { PyValue } from '../../packages/jinja/src/index.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const CASES_DIR = path.join(HERE, 'cases');
export const ORACLE = path.join(HERE, 'oracle.py');
/** The name the case's own template is served under (as oracle.py does). */
const CASE_TEMPLATE = '__case__';

export interface Case {
  /** The case file's name (`for.yaml`). */
  file: string;
  name: string;
  template: string;
  values?: string;
  partials?: Record<string, string>;
  expect?: 'error';
  shape?: string;
}

/** One rendering: its output, the error it raised, or why the values could not be read. */
export type Rendering = { output: string } | { error: string } | { valuesError: string };

export interface Verdict {
  pass: boolean;
  /** What differed, for a failing case. */
  detail: string;
}

const CASE_KEYS = new Set(['name', 'template', 'values', 'partials', 'expect', 'shape']);

function caseError(file: string, index: number, message: string): Error {
  return new Error(`${path.join(CASES_DIR, file)}: case ${index + 1}: ${message}`);
}

/**
 * Every case of every file under `dir` (or of the files named), validated: a malformed case
 * file throws, naming the file and case.
 */
export function loadCases(dir = CASES_DIR, only?: readonly string[]): Case[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .filter((f) => !only || only.length === 0 || only.includes(f) || only.includes(f.replace(/\.yaml$/, '')))
    .sort();
  const cases: Case[] = [];
  for (const file of files) {
    // The failsafe schema reads every scalar as the string written: templates stay verbatim.
    const doc = parseDocument(readFileSync(path.join(dir, file), 'utf8'), { schema: 'failsafe' });
    if (doc.errors.length > 0) throw new Error(`${path.join(dir, file)}: ${doc.errors[0]?.message}`);
    const root = doc.toJS() as { cases?: unknown } | null;
    if (!root || !Array.isArray(root.cases)) throw new Error(`${path.join(dir, file)}: needs a cases: list`);
    const names = new Set<string>();
    root.cases.forEach((raw: unknown, i: number) => {
      if (typeof raw !== 'object' || raw === null) throw caseError(file, i, 'is not a mapping');
      const c = raw as Record<string, unknown>;
      for (const key of Object.keys(c)) {
        if (!CASE_KEYS.has(key)) throw caseError(file, i, `unknown key ${key}`);
      }
      if (typeof c.name !== 'string' || c.name === '') throw caseError(file, i, 'needs a name');
      if (names.has(c.name)) throw caseError(file, i, `duplicate name ${JSON.stringify(c.name)}`);
      names.add(c.name);
      if (typeof c.template !== 'string') throw caseError(file, i, 'needs a template string');
      if (c.values !== undefined && typeof c.values !== 'string') {
        throw caseError(file, i, 'values must be YAML text (a string)');
      }
      if (c.expect !== undefined && c.expect !== 'error')
        throw caseError(file, i, 'expect may only be error');
      if (c.shape !== undefined) {
        if (typeof c.shape !== 'string') throw caseError(file, i, 'shape must be a regular expression');
        new RegExp(c.shape, 'su');
      }
      let partials: Record<string, string> | undefined;
      if (c.partials !== undefined) {
        if (typeof c.partials !== 'object' || c.partials === null || Array.isArray(c.partials)) {
          throw caseError(file, i, 'partials must map names to template sources');
        }
        partials = {};
        for (const [k, v] of Object.entries(c.partials)) {
          if (typeof v !== 'string') throw caseError(file, i, `partial ${k} must be a string`);
          partials[k] = v;
        }
      }
      cases.push({
        file,
        name: c.name,
        template: c.template,
        ...(c.values === undefined ? {} : { values: c.values }),
        ...(partials ? { partials } : {}),
        ...(c.expect === undefined ? {} : { expect: 'error' as const }),
        ...(c.shape === undefined ? {} : { shape: c.shape }),
      });
    });
  }
  return cases;
}

export interface PythonFound {
  python: string;
  versions: { python: string; jinja2: string; yaml: string };
}

/** The python interpreters tried, in order (SLIPWAY_PYTHON first when set). */
export function pythonCandidates(): string[] {
  const fromEnv = process.env.SLIPWAY_PYTHON;
  return [...(fromEnv ? [fromEnv] : []), 'python3', '/usr/bin/python3', 'python'];
}

function versionKey(v: string): number[] {
  return v.split('.').map((part) => Number.parseInt(part, 10) || 0);
}

function newer(a: string, b: string): boolean {
  const x = versionKey(a);
  const y = versionKey(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0);
  }
  return false;
}

/**
 * The Python that imports jinja2 and PyYAML — SLIPWAY_PYTHON when set and working, otherwise the
 * candidate with the newest jinja2 — or an error message saying what was tried and how to get one.
 */
export function findPython(): PythonFound | { error: string } {
  const tried: string[] = [];
  let best: PythonFound | undefined;
  for (const python of pythonCandidates()) {
    const r = spawnSync(python, [ORACLE, '--version'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) {
      const found = { python, versions: JSON.parse(r.stdout) as PythonFound['versions'] };
      if (python === process.env.SLIPWAY_PYTHON) return found;
      if (!best || newer(found.versions.jinja2, best.versions.jinja2)) best = found;
      continue;
    }
    const why = r.error ? r.error.message : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`);
    tried.push(`${python} (${why})`);
  }
  if (best) return best;
  return {
    error:
      `no Python that imports jinja2 and yaml: tried ${tried.join(', ')}. The conformance oracle ` +
      'needs one: install python3-jinja2 and python3-yaml (bash scripts/install-testbed.sh does), ' +
      'or point SLIPWAY_PYTHON at a python that has them.',
  };
}

/** Renders every case with Python's Jinja2, in one process. */
export function runOracle(python: string, cases: readonly Case[]): Rendering[] {
  const input = JSON.stringify(
    cases.map((c) => ({ template: c.template, values: c.values ?? '', partials: c.partials ?? {} })),
  );
  const r = spawnSync(python, [ORACLE], {
    input,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    timeout: 600_000,
  });
  if (r.status !== 0) {
    throw new Error(`${python} ${ORACLE} failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr}`);
  }
  const results = JSON.parse(r.stdout) as Rendering[];
  if (results.length !== cases.length) {
    throw new Error(`the oracle answered ${results.length} results for ${cases.length} cases`);
  }
  return results;
}

/** Renders one case with `@slipway/jinja`, configured as render-manifest configures it. */
export function renderWithEngine(c: Case): Rendering {
  let values: PyValue;
  try {
    values = readValuesYaml(c.values ?? '', `${c.file} › ${c.name} (values)`).value;
  } catch (err) {
    if (err instanceof ValuesYamlError) return { valuesError: err.message };
    throw err;
  }
  const context = new Map<string, PyValue>();
  if (values instanceof Map) {
    for (const [k, v] of values) if (typeof k === 'string') context.set(k, v);
  } else if (values !== null) {
    return { valuesError: 'the values are not a mapping' };
  }
  const templates = new Map(Object.entries(c.partials ?? {}));
  templates.set(CASE_TEMPLATE, c.template);
  const env = new Environment({ loader: { load: (name) => templates.get(name) } });
  try {
    return { output: env.render(CASE_TEMPLATE, context) };
  } catch (err) {
    if (err instanceof TemplateError) return { error: `${err.name}: ${err.message}` };
    // Anything else is the engine crashing, not raising as Jinja2 does.
    const e = err instanceof Error ? err : new Error(String(err));
    return { error: `CRASH ${e.name}: ${e.message}\n${e.stack ?? ''}` };
  }
}

function show(r: Rendering): string {
  if ('output' in r) return `output ${JSON.stringify(r.output)}`;
  if ('error' in r) return `error ${r.error.split('\n')[0]}`;
  return `values error ${r.valuesError}`;
}

/** Compares the engine's rendering with Jinja2's. */
export function compare(c: Case, expected: Rendering, actual: Rendering): Verdict {
  const both = `\n  Jinja2:   ${show(expected)}\n  slipway:  ${show(actual)}`;
  if ('error' in actual && actual.error.startsWith('CRASH ')) {
    return {
      pass: false,
      detail: `the engine crashed instead of rendering or raising:${both}\n${actual.error}`,
    };
  }
  if ('valuesError' in expected) {
    return 'valuesError' in actual
      ? { pass: true, detail: '' }
      : { pass: false, detail: `PyYAML cannot read the values but readValuesYaml can:${both}` };
  }
  if ('valuesError' in actual)
    return { pass: false, detail: `readValuesYaml cannot read the values:${both}` };
  if ('error' in expected) {
    return 'error' in actual
      ? { pass: true, detail: '' }
      : { pass: false, detail: `Jinja2 raises but the engine renders:${both}` };
  }
  if ('error' in actual) return { pass: false, detail: `Jinja2 renders but the engine raises:${both}` };
  if (c.shape !== undefined) {
    const shape = new RegExp(`^(?:${c.shape})$`, 'su');
    if (!shape.test(expected.output)) {
      return { pass: false, detail: `Jinja2's output does not match the case's shape /${c.shape}/:${both}` };
    }
    return shape.test(actual.output)
      ? { pass: true, detail: '' }
      : { pass: false, detail: `the output does not match the shape /${c.shape}/:${both}` };
  }
  return expected.output === actual.output
    ? { pass: true, detail: '' }
    : { pass: false, detail: `the outputs differ:${both}` };
}

/** Cases whose `expect` disagrees with Jinja2 (a case written wrongly, or Jinja2 changed). */
export function expectationMismatches(cases: readonly Case[], oracle: readonly Rendering[]): string[] {
  const out: string[] = [];
  cases.forEach((c, i) => {
    const r = oracle[i] as Rendering;
    if ('valuesError' in r) {
      if (c.expect !== 'error') {
        out.push(
          `${c.file} › ${c.name}: PyYAML cannot read the values (${r.valuesError}); mark it expect: error if meant`,
        );
      }
    } else if (c.expect === 'error' && 'output' in r) {
      out.push(`${c.file} › ${c.name}: expects an error, Jinja2 renders`);
    } else if (c.expect === undefined && 'error' in r) {
      out.push(`${c.file} › ${c.name}: Jinja2 raises ${r.error} (mark it expect: error if meant)`);
    }
  });
  return out;
}
