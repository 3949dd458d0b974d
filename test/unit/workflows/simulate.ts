/**
 * Runs the job graph of a workflow the way GitHub schedules it, without running any job: job `if`s
 * and `with:` values are evaluated with GitHub's own expression engine (@actions/expressions, the
 * library behind @actions/workflow-parser), `needs` order is respected, a job whose `if` has no
 * status function gets the implicit `success() &&`, and a job that does not run is `skipped`.
 * What each job that runs returns (result, outputs) is given by the scenario.
 */
import { Evaluator, Lexer, Parser, data } from '@actions/expressions';
import { parse } from 'yaml';

export type JobResult = 'success' | 'failure' | 'cancelled' | 'skipped';

export interface Scenario {
  /** github context: event_name, ref, event payload … */
  github: Record<string, unknown>;
  /** workflow_call inputs (the declared defaults fill the rest). */
  inputs?: Record<string, unknown>;
  /** Result of a job when it runs (default success). */
  results?: Record<string, JobResult>;
  /** Outputs of a job when it runs. */
  outputs?: Record<string, Record<string, string>>;
}

export interface SimulatedJob {
  result: JobResult;
  /** The job's `with:` values as the called workflow would receive them (jobs that ran only). */
  with: Record<string, unknown>;
}

const CONTEXTS = [
  'github',
  'inputs',
  'needs',
  'secrets',
  'vars',
  'job',
  'runner',
  'env',
  'steps',
  'matrix',
  'strategy',
];
const STATUS_FUNCTIONS = ['success', 'failure', 'cancelled', 'always'];

/** Evaluates one expression (without `${{ }}`) against plain-JS contexts. */
export function evaluate(
  expression: string,
  contexts: Record<string, unknown>,
  status: Record<string, () => boolean> = {},
): unknown {
  const lexed = new Lexer(expression).lex();
  const functions = STATUS_FUNCTIONS.map((name) => ({ name, minArgs: 0, maxArgs: 0 }));
  const expr = new Parser(lexed.tokens, CONTEXTS, functions).parse();
  const dict = JSON.parse(JSON.stringify(contexts), data.reviver) as data.Dictionary;
  const impl = new Map(
    functions.map((f) => [
      f.name,
      { ...f, call: () => new data.BooleanData((status[f.name] ?? (() => f.name === 'always'))()) },
    ]),
  );
  return JSON.parse(JSON.stringify(new Evaluator(expr, dict, impl).evaluate(), data.replacer)) as unknown;
}

/** Interpolates a YAML value: a lone `${{ x }}` keeps its type, anything else becomes a string. */
export function interpolate(value: unknown, contexts: Record<string, unknown>): unknown {
  if (typeof value !== 'string') return value;
  const lone = /^\s*\$\{\{([\s\S]*?)\}\}\s*$/.exec(value);
  if (lone && !lone[1]?.includes('}}')) return evaluate(lone[1] ?? '', contexts);
  return value.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, e: string) => {
    const v = evaluate(e, contexts);
    return v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  });
}

function truthy(v: unknown): boolean {
  return !(v === false || v === null || v === 0 || v === '' || v === undefined);
}

interface JobDef {
  needs?: string | string[];
  if?: string | boolean;
  with?: Record<string, unknown>;
}

/** Simulates every job of a workflow text for one scenario. */
export function simulate(workflowText: string, scenario: Scenario): Record<string, SimulatedJob> {
  const wf = parse(workflowText) as {
    on?: { workflow_call?: { inputs?: Record<string, { default?: unknown }> } };
    jobs: Record<string, JobDef>;
  };
  const inputs: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(wf.on?.workflow_call?.inputs ?? {}))
    inputs[name] = def.default ?? '';
  Object.assign(inputs, scenario.inputs);

  const done: Record<string, SimulatedJob & { outputs: Record<string, string> }> = {};
  const pending = new Set(Object.keys(wf.jobs));
  while (pending.size > 0) {
    const ready = [...pending].find((id) => needsOf(wf.jobs[id]).every((n) => n in done));
    if (!ready) throw new Error(`needs cycle or unknown job among ${[...pending].join(', ')}`);
    pending.delete(ready);
    const job = wf.jobs[ready] ?? {};
    const needs = Object.fromEntries(
      needsOf(job).map((n) => [n, { result: done[n]?.result, outputs: done[n]?.outputs ?? {} }]),
    );
    const contexts = { github: scenario.github, inputs, needs, secrets: {}, vars: {} };
    const results = Object.values(needs).map((n) => n.result);
    const status = {
      success: () => results.every((r) => r === 'success'),
      failure: () => results.some((r) => r === 'failure'),
      cancelled: () => false,
      always: () => true,
    };
    const condition =
      job.if === undefined ? 'true' : String(job.if).replace(/^\s*\$\{\{([\s\S]*)\}\}\s*$/, '$1');
    const hasStatus = STATUS_FUNCTIONS.some((f) => new RegExp(`\\b${f}\\s*\\(`).test(condition));
    const runs = (hasStatus || status.success()) && truthy(evaluate(condition, contexts, status));
    if (!runs) {
      done[ready] = { result: 'skipped', with: {}, outputs: {} };
      continue;
    }
    const withValues = Object.fromEntries(
      Object.entries(job.with ?? {}).map(([k, v]) => [k, interpolate(v, contexts)]),
    );
    done[ready] = {
      result: scenario.results?.[ready] ?? 'success',
      with: withValues,
      outputs: scenario.outputs?.[ready] ?? {},
    };
  }
  return Object.fromEntries(Object.entries(done).map(([id, j]) => [id, { result: j.result, with: j.with }]));
}

function needsOf(job: JobDef | undefined): string[] {
  if (!job?.needs) return [];
  return Array.isArray(job.needs) ? job.needs : [job.needs];
}
