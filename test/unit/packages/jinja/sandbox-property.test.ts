// A property test of the sandbox: 1,000 generated templates, random and adversarial (host
// internals, prototype chains, dunder attributes, calls on whatever comes back, unbounded loops,
// recursion, output blow-ups), each rendered with small budgets. Whatever a template does, the
// engine either renders or throws one of its own TemplateErrors (which render-manifest reports as
// one ::error:: line); no template constructs a JavaScript function, reads the process environment
// or produces more output than its budget.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { Environment, TemplateError } from '../../../../packages/jinja/src/index.ts';

/** A small deterministic PRNG (mulberry32), so a failing template can be reproduced from its index. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ROOTS = [
  'range',
  'cycler',
  'joiner',
  'namespace',
  'lipsum',
  'dict',
  'x',
  'xs',
  's',
  'n',
  'loop',
  'self',
  'caller',
  'f',
  '""',
  '[]',
  '{}',
  '()',
  '1',
  '1.5',
  'none',
  'true',
];
const ATTRS = [
  'constructor',
  'prototype',
  '__proto__',
  '__class__',
  '__mro__',
  '__globals__',
  '__init__',
  '__dict__',
  '__subclasses__',
  'call',
  'apply',
  'bind',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'process',
  'mainModule',
  'require',
  'env',
  'global',
  'globalThis',
  'items',
  'keys',
  'get',
  'upper',
  'format',
  'join',
  'split',
  'next',
  'current',
  'name',
  'length',
  '_x',
];
const FILTERS = [
  'attr("constructor")',
  'attr("__class__")',
  'map(attribute="constructor")',
  'list',
  'string',
  'tojson',
  'first',
  'items',
  'dictsort',
  'pprint',
  'join',
  'sum',
  'reverse',
  'sort',
  'unique',
  'length',
  'int',
  'float',
  'default("d")',
];
const ARGS = ['', '"return process.env"', '"return this"', '"id"', '0', 'x', '*xs', '**x'];

function expression(r: () => number, depth = 0): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)] as T;
  let e = pick(ROOTS);
  const steps = Math.floor(r() * 4);
  for (let i = 0; i < steps; i++) {
    const k = r();
    if (k < 0.45) e += `.${pick(ATTRS)}`;
    else if (k < 0.6) e += `[${JSON.stringify(pick(ATTRS))}]`;
    else if (k < 0.8) e += `(${pick(ARGS)})`;
    else if (k < 0.95) e += ` | ${pick(FILTERS)}`;
    else if (depth < 2) e = `(${e} ~ ${expression(r, depth + 1)})`;
  }
  return e;
}

function template(r: () => number): string {
  const e = () => expression(r);
  const shapes = [
    () => `{{ ${e()} }}`,
    () => `{% set y = ${e()} %}{{ y }}`,
    () => `{% for i in ${e()} %}{{ i }}{% endfor %}`,
    () => `{% if ${e()} %}a{% else %}b{% endif %}`,
    () => `{{ ${e()} is defined }} {{ ${e()} | default("none") }}`,
    () => `{% for i in range(${Math.floor(r() * 1e12)}) %}{{ i }}{% endfor %}`,
    () => `{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}`,
    () => `{{ "ab" * ${Math.floor(r() * 1e8)} }}`,
    () => `{% for a in range(1000) %}{% for b in range(1000) %}{{ a }}{% endfor %}{% endfor %}`,
    () => `{{ (${e()})(${e()}) }}`,
    () => `{% set ns = namespace(v=${e()}) %}{% set ns.v = ns.v ~ ${e()} %}{{ ns.v }}`,
    () => `{% with z = ${e()} %}{{ z.${ATTRS[Math.floor(r() * ATTRS.length)]} }}{% endwith %}`,
    () => `{{ ${e()}`, // unterminated: a syntax error
  ];
  return shapes[Math.floor(r() * shapes.length)]?.() ?? '';
}

test('1,000 generated templates: each renders or fails with a TemplateError, reaches nothing of the host and stays within its budgets', () => {
  const canary = `slw-canary-${randomBytes(8).toString('hex')}`;
  process.env.SLW_SANDBOX_CANARY = canary;
  // Any JavaScript function built from a string would go through these constructors.
  const constructed: string[] = [];
  const realFunction = Function.prototype.constructor;
  const trap = function (this: unknown, ...args: unknown[]): never {
    constructed.push(args.map(String).join(', '));
    throw new Error('a template constructed a function');
  };
  Object.defineProperty(Function.prototype, 'constructor', {
    value: trap,
    configurable: true,
    writable: true,
  });
  const limits = { maxOutputBytes: 100_000, maxIterations: 20_000, maxDepth: 40, timeoutMs: 5_000 };
  const env = new Environment({ limits });
  const context = { x: { name: 'shop', items: 1 }, xs: [1, 2, 3], s: 'str', n: 7, f: 1.5 };
  const outcomes = { rendered: 0, refused: 0 };
  try {
    const r = prng(20261206);
    for (let i = 0; i < 1000; i++) {
      const source = template(r);
      let output: string | undefined;
      try {
        output = env.renderString(source, context, `generated-${i}`);
        outcomes.rendered++;
      } catch (err) {
        assert.ok(
          err instanceof TemplateError,
          `template ${i} threw a non-template error: ${String(err)}\n${source}`,
        );
        assert.ok(!err.message.includes(canary), `template ${i}: the error leaked the environment`);
        outcomes.refused++;
      }
      if (output !== undefined) {
        assert.ok(
          Buffer.byteLength(output) <= limits.maxOutputBytes,
          `template ${i} exceeded the output budget`,
        );
        assert.ok(!output.includes(canary), `template ${i} read the process environment:\n${source}`);
        assert.ok(
          !/\[native code\]|function \w*\(|=>/.test(output),
          `template ${i} printed host code:\n${source}\n${output}`,
        );
      }
    }
  } finally {
    Object.defineProperty(Function.prototype, 'constructor', {
      value: realFunction,
      configurable: true,
      writable: true,
    });
    delete process.env.SLW_SANDBOX_CANARY;
  }
  assert.deepEqual(constructed, [], 'no template constructed a function');
  // The generator must exercise both sides, or the test proves little.
  assert.ok(outcomes.rendered >= 50 && outcomes.refused >= 100, JSON.stringify(outcomes));
});
