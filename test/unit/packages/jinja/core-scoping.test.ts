import { test } from 'node:test';
import { check } from './core-helpers.ts';
import type { CoreCase } from './core-helpers.ts';

// Scoping rules
// Every expectation below was produced by Python Jinja2 3.1.6 with
// Environment(trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined, keep_trailing_newline=True).
const CASES: CoreCase[] = [
  {
    name: 'set in a for loop does not leak',
    src: '{% set x = 1 %}{% for i in [1, 2] %}{{ x }}{% set x = 2 %}{{ x }}{% endfor %}{{ x }}',
    output: '12121',
  },
  {
    name: 'each iteration starts a fresh scope',
    src: '{% set x = 5 %}{% for i in xs %}{{ x }}{% if i == 1 %}{% set x = 9 %}{% endif %}{% endfor %}',
    ctx: { xs: [1, 2, 3] },
    output: '555',
  },
  {
    name: 'set in an if block leaks',
    src: '{% set x = 1 %}{% if true %}{% set x = 2 %}{% endif %}{{ x }}',
    output: '2',
  },
  {
    name: 'loop variable does not leak',
    src: '{% for i in [1, 2] %}{% set y = i %}{% endfor %}{{ i is defined }}{{ y is defined }}',
    output: 'FalseFalse',
  },
  {
    name: 'set in with does not leak',
    src: '{% with a = 1 %}{% set b = 2 %}{% endwith %}{{ a is defined }}{{ b is defined }}',
    output: 'FalseFalse',
  },
  {
    name: 'macros see variables as they are when called',
    src: '{% macro m() %}{{ x }}{% endmacro %}{% set x = 1 %}{{ m() }}{% set x = 2 %}{{ m() }}',
    output: '12',
  },
  {
    name: 'set inside a macro is local',
    src: '{% macro m() %}{% set inner = 1 %}{% endmacro %}{{ m() }}{{ inner is defined }}',
    output: 'False',
  },
  {
    name: 'nested loops each have their own loop',
    src: '{% for i in xs %}{{ loop.index }}{% for j in xs %}{{ loop.index }}{% endfor %};{% endfor %}',
    ctx: { xs: [1, 2, 3] },
    output: '1123;2123;3123;',
  },
  {
    name: 'caller sees the call site',
    src: '{% macro m() %}{{ caller() }}{% endmacro %}{% for i in [7] %}{% call m() %}{{ i }}{% endcall %}{% endfor %}',
    output: '7',
  },
  {
    name: 'block set body has its own scope',
    src: '{% set t %}{% set z = 1 %}{{ z }}{% endset %}{{ t }}{{ z is defined }}',
    output: '1False',
  },
  {
    name: 'values passed in are visible in macros',
    src: '{% macro m() %}{{ v }}{% endmacro %}{{ m() }}',
    ctx: { v: 'from-values' },
    output: 'from-values',
  },
];

for (const c of CASES) {
  test(c.name, () => {
    check(c);
  });
}
