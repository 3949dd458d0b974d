import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LimitError } from '../../../../packages/jinja/src/index.ts';
import { envWith } from './core-helpers.ts';

function assertLimit(fn: () => unknown, what: RegExp, template: string, line: number): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof LimitError, `expected a LimitError, got ${String(error)}`);
    assert.match(error.message, what);
    assert.equal(error.template, template);
    assert.equal(error.line, line);
    return true;
  });
}

test('a loop over range(0, 100000000000) stops at the iteration budget', () => {
  const env = envWith({ 'big.j2': 'start\n{% for i in range(0, 100000000000) %}{{ i }}{% endfor %}' });
  assertLimit(() => env.render('big.j2'), /budget of 1000000 loop iterations/, 'big.j2', 2);
});

test('nested loops share one iteration budget', () => {
  const env = envWith(
    { 'n.j2': '{% for a in xs %}{% for b in xs %}.{% endfor %}{% endfor %}' },
    { maxIterations: 5000 },
  );
  const xs = Array.from({ length: 100 }, (_, i) => i);
  assertLimit(() => env.render('n.j2', { xs }), /budget of 5000 loop iterations/, 'n.j2', 1);
  assert.equal(env.render('n.j2', { xs: xs.slice(0, 70) }).length, 4900);
});

test('a filtered loop counts the items it tests', () => {
  const env = envWith({ 'f.j2': '{% for i in range(10**12) if i < 0 %}{% endfor %}' });
  assertLimit(() => env.render('f.j2'), /loop iterations/, 'f.j2', 1);
});

test('wordwrap with a NaN width (Python loops forever) stops at the iteration budget', () => {
  const env = envWith({ 'w.j2': '{{ s | wordwrap(w) }}' });
  assertLimit(
    () => env.render('w.j2', { s: 'Hello World-wide', w: Number.NaN }),
    /loop iterations/,
    'w.j2',
    1,
  );
});

test('a float formatted with a precision past the size limit stops at once, for % and format()', () => {
  // Python builds the billion digits; the engine used to spend seconds on BigInt arithmetic and
  // then fail with a RangeError.
  for (const [name, source] of [
    ['f.j2', '{{ "%.1000000000f" % 1 }}'],
    ['e.j2', '{{ "{:.1000000000e}".format(1.5) }}'],
    ['p.j2', '{{ "{:.1000000000%}".format(1) }}'],
    ['alt-g.j2', '{{ "%#.1000000000g" % 1 }}'],
  ] as const) {
    const env = envWith({ [name]: source });
    assertLimit(() => env.render(name), /a value grew beyond the size limit/, name, 1);
  }
});

test('an int too large for any computer stops with the size limit, not an internal error', () => {
  // Python computes 10 ** (10 ** 30) here and never finishes.
  const env = envWith({ 'round.j2': 'x\n{{ 15 | round(-(10 ** 30)) }}' });
  assertLimit(() => env.render('round.j2'), /a value grew beyond the size limit/, 'round.j2', 2);
});

test('endless macro recursion stops at the depth limit', () => {
  const env = envWith({ 'r.j2': '{% macro r(n) %}\n{{ r(n + 1) }}{% endmacro %}\n{{ r(0) }}' });
  assertLimit(() => env.render('r.j2'), /nesting depth limit of 100/, 'r.j2', 2);
});

test('a template including itself stops at the depth limit', () => {
  const env = envWith({ 'self.j2': 'x{% include "self.j2" %}' }, { maxDepth: 20 });
  assertLimit(() => env.render('self.j2'), /nesting depth limit of 20/, 'self.j2', 1);
});

test('a template extending itself stops at the depth limit', () => {
  const env = envWith({ 'loop.j2': '{% extends "loop.j2" %}' });
  assert.throws(() => env.render('loop.j2'), LimitError);
});

test('output beyond the size limit stops the render', () => {
  const env = envWith(
    { 'o.j2': '{% for i in range(100000) %}{{ "0123456789" }}{% endfor %}' },
    { maxOutputBytes: 50_000 },
  );
  assertLimit(() => env.render('o.j2'), /output exceeded the limit of 50000 bytes/, 'o.j2', 1);
});

test('a render past its deadline stops with the time limit named', () => {
  // A negative timeout puts the deadline in the past, so the first check fails deterministically.
  const env = envWith({ 't.j2': '{% for i in range(5000) %}{{ i }}{% endfor %}' }, { timeoutMs: -1 });
  assertLimit(() => env.render('t.j2'), /time limit of -1 ms/, 't.j2', 1);
});

test('budgets are per render: the same environment renders again after a failure', () => {
  const env = envWith({ 'ok.j2': '{% for i in range(600) %}.{% endfor %}' }, { maxIterations: 1000 });
  assert.equal(env.render('ok.j2').length, 600);
  assert.equal(env.render('ok.j2').length, 600);
});

test('exponential macro recursion within the depth limit stops at the call budget', () => {
  const env = envWith({
    'fib.j2':
      '{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}\n{{ f(40) }}',
  });
  assertLimit(() => env.render('fib.j2'), /budget of 1000000 loop iterations and macro calls/, 'fib.j2', 1);
});
