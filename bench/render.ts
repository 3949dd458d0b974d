/**
 * Rendering the demo's templates 100 times, side by side: Slipway's Jinja engine, nunjucks (the
 * engine render-manifest used before, which rendered many templates differently from Jinja2) and
 * Python's Jinja2 itself (the reference; timed inside one python process, so its start-up is not
 * counted). Each of the 100 renders starts from a fresh environment, parses and renders every
 * template, as one render-manifest run does. Interleaved rounds; medians; ratios against Slipway.
 *
 *   npm run bench render      (BENCH_ROUNDS=N, default 15)
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import nunjucks from 'nunjucks';
import { Environment, fromJS, readValuesYaml, toJS, type PyDict } from '@slipway/jinja';
import { repoRoot } from '../scripts/lib/actions.ts';
import { findPython } from '../test/conformance/harness.ts';
import { printTable, timeInterleaved } from './lib/measure.ts';

const RENDERS = 100;
const rounds = Number(process.env.BENCH_ROUNDS ?? 15);
const dir = join(repoRoot, 'demo', 'deploy');
const templates = readdirSync(dir)
  .filter((f) => f.endsWith('.j2'))
  .sort()
  .map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
const builtins = {
  project: 'shop',
  deploy_env: 'staging',
  namespace: 'shop',
  deploy_image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/shop@sha256:${'a'.repeat(64)}`,
  version: 'main-20261206-120000-0123456',
};
const values = readValuesYaml(readFileSync(join(dir, 'values-staging.yaml'), 'utf8'), 'values-staging.yaml')
  .value as PyDict;
const context = new Map([...values].map(([k, v]) => [String(k), v]));
for (const [k, v] of Object.entries(builtins)) context.set(k, fromJS(v));
const plain = { ...(toJS(values) as Record<string, unknown>), ...builtins };

function slipway(): string[] {
  const env = new Environment();
  return templates.map((t) => env.renderString(t.text, context, t.name));
}

function previous(): string[] {
  const env = new nunjucks.Environment(null, {
    autoescape: false,
    throwOnUndefined: true,
    trimBlocks: true,
    lstripBlocks: true,
  });
  return templates.map((t) => new nunjucks.Template(t.text, env, t.name, true).render(plain));
}

const PY_BENCH = `
import json, sys, time, yaml, jinja2
spec = json.load(sys.stdin)
values = yaml.safe_load(spec["values"]) or {}
values.update(spec["builtins"])
times = []
for _ in range(spec["rounds"] + 1):
    start = time.perf_counter()
    for _ in range(spec["renders"]):
        env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
                                 keep_trailing_newline=True, autoescape=False)
        out = [env.from_string(t).render(values) for t in spec["templates"]]
    times.append((time.perf_counter() - start) * 1000)
times = sorted(times[1:])
print(json.dumps({"median": times[len(times) // 2], "out": out}))
`;

// Slipway renders what Jinja2 renders; the bench says so before it says how fast.
const python = findPython();
let jinja2: { median: number; out: string[] } | undefined;
if ('python' in python) {
  const r = spawnSync(python.python, ['-c', PY_BENCH], {
    input: JSON.stringify({
      values: readFileSync(join(dir, 'values-staging.yaml'), 'utf8'),
      builtins,
      templates: templates.map((t) => t.text),
      rounds,
      renders: RENDERS,
    }),
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`the Jinja2 bench failed:\n${r.stderr}`);
  jinja2 = JSON.parse(r.stdout) as { median: number; out: string[] };
  const ours = slipway();
  for (const [i, out] of jinja2.out.entries()) {
    if (ours[i] !== out) throw new Error(`${templates[i]?.name}: Slipway's output differs from Jinja2's`);
  }
}

const medians = await timeInterleaved(
  [
    { name: 'Slipway (packages/jinja)', run: () => void Array.from({ length: RENDERS }, slipway) },
    { name: 'nunjucks (the previous engine)', run: () => void Array.from({ length: RENDERS }, previous) },
  ],
  rounds,
);
const base = medians.get('Slipway (packages/jinja)') ?? 1;
const rows: (string | number)[][] = [...medians].map(([name, ms]) => [name, ms, ms / base]);
if (jinja2) rows.push(['Python Jinja2 3.1 (reference)', jinja2.median, jinja2.median / base]);
else rows.push(['Python Jinja2 3.1 (reference)', 'not run: no python with jinja2', '']);
printTable(
  `Rendering the demo's ${templates.length} templates ${RENDERS} times (fresh environment each time; median of ${rounds} rounds)`,
  ['engine', 'ms', '× Slipway'],
  rows,
);
