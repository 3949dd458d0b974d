import { test } from 'node:test';
import { check } from './core-helpers.ts';
import type { CoreCase } from './core-helpers.ts';

// extends, blocks, include and import
// Every expectation below was produced by Python Jinja2 3.1.6 with
// Environment(trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined, keep_trailing_newline=True).
const CASES: CoreCase[] = [
  {
    name: 'extends with super()',
    partials: {
      base: '<html>\n{% block head %}HEAD{% endblock %}\n{% block body %}BODY{% endblock %}\n</html>\n',
      child: "{% extends 'base' %}\n{% block body %}child {{ super() }}{% endblock %}\n",
    },
    entry: 'child',
    output: '<html>\nHEADchild BODY</html>\n',
  },
  {
    name: 'output before extends is kept, after is dropped, top-level sets run',
    partials: {
      base: '[{% block head %}HEAD{% endblock %}]',
      child: "before\n{% extends 'base' %}\nignored\n{% set v = 5 %}{% block head %}{{ v }}{% endblock %}",
    },
    entry: 'child',
    output: 'before\n[5]',
  },
  {
    name: 'three levels of inheritance',
    partials: {
      base: '{% block body %}BODY{% endblock %}',
      mid: "{% extends 'base' %}{% block body %}mid[{{ super() }}]{% endblock %}",
      child: "{% extends 'mid' %}{% block body %}child[{{ super() }}]{% endblock %}",
    },
    entry: 'child',
    output: 'child[mid[BODY]]',
  },
  {
    name: 'extends with a dynamic name',
    ctx: { name: 'base' },
    partials: {
      base: '<{% block head %}{% endblock %}>',
      child: '{% extends name %}{% block head %}dyn{% endblock %}',
    },
    entry: 'child',
    output: '<dyn>',
  },
  {
    name: 'blocks do not see loop variables unless scoped',
    ctx: { xs: [1, 2, 3] },
    partials: {
      base: '{% for x in xs %}{% block item %}{{ x is defined }}{% endblock %}{% block s scoped %}{{ x }}{% endblock %}{% endfor %}',
      child: "{% extends 'base' %}{% block s %}<{{ x }}>{% endblock %}",
    },
    entry: 'child',
    output: 'False<1>False<2>False<3>',
  },
  {
    name: 'required block must be overridden',
    partials: { base: '{% block a required %}{% endblock %}', child: "{% extends 'base' %}" },
    entry: 'child',
    error: 'PyException',
    pyType: 'TemplateRuntimeError',
    message: "Required block 'a' not found",
  },
  {
    name: 'required block overridden',
    partials: {
      base: '{% block a required %}{% endblock %}',
      child: "{% extends 'base' %}{% block a %}A{% endblock %}",
    },
    entry: 'child',
    output: 'A',
  },
  {
    name: 'self renders a block again',
    partials: {
      base: '{% block a %}A{% endblock %}|{{ self.a() }}',
      child: "{% extends 'base' %}{% block a %}C{% endblock %}",
    },
    entry: 'child',
    output: 'C|C',
  },
  {
    name: 'super without a parent block',
    partials: { base: '{% block a %}{{ super() }}{% endblock %}', child: "{% extends 'base' %}" },
    entry: 'child',
    error: 'UndefinedError',
    message: "there is no parent block called 'a'.",
  },
  {
    name: 'extended twice',
    partials: { base: '{% block a %}A{% endblock %}', child: "{% extends 'base' %}{% extends 'base' %}" },
    entry: 'child',
    error: 'PyException',
    pyType: 'TemplateRuntimeError',
    message: 'extended multiple times',
  },
  {
    name: 'nested blocks are overridable',
    partials: {
      base: '{% block outer %}O[{% block inner %}I{% endblock %}]{% endblock %}',
      child: "{% extends 'base' %}{% block inner %}CI{% endblock %}",
    },
    entry: 'child',
    output: 'O[CI]',
  },
  {
    name: 'blocks see macros defined in the child',
    partials: {
      base: '{% block a %}{{ m() }}{% endblock %}',
      child: "{% extends 'base' %}{% macro m() %}M{% endmacro %}",
    },
    entry: 'child',
    output: 'M',
  },
  {
    name: 'include with context',
    partials: {
      main: "a\n{% set v = 1 %}{% for x in [2] %}{% include 'inc' %}{% endfor %}\nb\n",
      inc: 'inc {{ v }}{{ x }}\n',
    },
    entry: 'main',
    output: 'a\ninc 12\nb\n',
  },
  {
    name: 'include without context',
    partials: { main: "{% set v = 1 %}{% include 'inc' without context %}", inc: '{{ v is defined }}' },
    entry: 'main',
    output: 'False',
  },
  {
    name: 'include sets do not leak back',
    partials: { main: "{% include 'inc' %}{{ w is defined }}", inc: '{% set w = 2 %}' },
    entry: 'main',
    output: 'False',
  },
  {
    name: 'include ignore missing and lists of names',
    partials: { main: "{% include 'nope' ignore missing %}{% include ['nope', 'inc'] %}", inc: 'INC' },
    entry: 'main',
    output: 'INC',
  },
  {
    name: 'include of a missing template',
    partials: { main: "{% include 'nope' %}" },
    entry: 'main',
    error: 'TemplateNotFound',
    message: 'nope',
  },
  {
    name: 'include of missing templates from a list',
    partials: { main: "{% include ['nope', 'nope2'] %}" },
    entry: 'main',
    error: 'TemplateNotFound',
    message: 'none of the templates given were found: nope, nope2',
  },
  {
    name: 'import as a module',
    partials: {
      main: "{% import 'm' as m %}{{ m.hello('x') }}{{ m.v }}",
      m: '{% macro hello(n) %}Hello {{ n }}{% endmacro %}{% set v = 3 %}',
    },
    entry: 'main',
    output: 'Hello x3',
  },
  {
    name: 'from import with alias; imports do not see the context',
    ctx: { xs: [1, 2, 3] },
    partials: {
      main: "{% from 'm' import hello, v as w %}{{ hello('x') }}{{ w }}",
      m: '{% macro hello(n) %}Hello {{ n }}{{ xs is defined }}{% endmacro %}{% set v = 3 %}',
    },
    entry: 'main',
    output: 'Hello xFalse3',
  },
  {
    name: 'from import with context',
    ctx: { xs: [1, 2, 3] },
    partials: {
      main: "{% from 'm' import hello with context %}{{ hello('x') }}",
      m: '{% macro hello(n) %}Hello {{ n }}{{ xs }}{% endmacro %}',
    },
    entry: 'main',
    output: 'Hello x[1, 2, 3]',
  },
  {
    name: 'from import of a name the template does not export',
    partials: { main: "{% from 'm' import nope %}{{ nope }}", m: 'x' },
    entry: 'main',
    error: 'UndefinedError',
    message: "the template 'm' (imported on line 1 in 'main') does not export the requested name 'nope'",
  },
  {
    name: 'super() in a scoped block keeps the loop variables',
    partials: {
      b: '{% for x in [1, 2] %}{% block row scoped %}{{ x }}{% endblock %}{% endfor %}',
      child: "{% extends 'b' %}{% block row %}<{{ super() }}|{{ x }}>{% endblock %}",
    },
    entry: 'child',
    output: '<1|1><2|2>',
  },
  {
    name: 'super.super() skips a level',
    partials: {
      a: 'A{% block x %}a{% endblock %}',
      b: "{% extends 'a' %}{% block x %}b{{ super() }}{% endblock %}",
      c: "{% extends 'b' %}{% block x %}c{{ super.super() }}{% endblock %}",
    },
    entry: 'c',
    output: 'Aca',
  },
  {
    name: 'output, includes and calls after extends are dropped',
    partials: {
      b: 'B{% block x %}{% endblock %}',
      c: "{% extends 'b' %}{% include 'i' %}{% macro m() %}M{% endmacro %}{% call m() %}{% endcall %}{% filter upper %}f{% endfilter %}{% for i in [1] %}{{ i }}{% endfor %}",
      i: 'I',
    },
    entry: 'c',
    error: 'PyException',
    pyType: 'TypeError',
    message:
      "macro 'm' was invoked with two values for the special caller argument. This is most likely a bug.",
  },
  {
    name: 'blocks see top-level sets of the child and the parent',
    partials: {
      b: "{% set x = 'bx' %}{% block a %}{{ x }}{% endblock %}",
      c: "{% extends 'b' %}{% set x = 'cx' %}{% block a %}{{ x }}{% endblock %}",
    },
    entry: 'c',
    output: 'bx',
  },
  {
    name: 'an included template can extend another',
    partials: {
      b: '{% include "i" %}',
      i: '{% extends "b2" %}{% block z %}iz{% endblock %}',
      b2: '[{% block z %}{% endblock %}]',
      c: "{% extends 'b' %}",
    },
    entry: 'c',
    output: '[iz]',
  },
  {
    name: 'include of none selects from an empty list',
    partials: { c: '{% include none %}' },
    entry: 'c',
    error: 'TemplateNotFound',
    message: 'Tried to select from an empty list of templates.',
  },
  {
    name: 'extends none is a missing template',
    partials: { c: '{% extends none %}' },
    entry: 'c',
    error: 'TemplateNotFound',
    message: 'None',
  },
  {
    name: 'imports inside a loop are local',
    partials: {
      c: "{% for x in [1, 2] %}{% import 'm' as m %}{{ m.f(x) }}{% endfor %}{{ m is defined }}",
      m: '{% macro f(v) %}<{{ v }}>{% endmacro %}',
    },
    entry: 'c',
    output: '<1><2>False',
  },
  {
    name: 'imports without context share one module',
    partials: {
      c: "{% import 'm' as a %}{% import 'm' as b %}{{ a.c.next() }}{{ b.c.next() }}{% for i in range(2) %}{% from 'm' import c %}{{ c.next() }}{% endfor %}",
      m: '{% set c = cycler(1, 2, 3, 4) %}',
    },
    entry: 'c',
    output: '1234',
  },
  {
    name: 'an import with context is a fresh module',
    partials: {
      c: "{% import 'm' as a with context %}{% import 'm' as b with context %}{{ a.c.next() }}{{ b.c.next() }}",
      m: '{% set c = cycler(1, 2, 3) %}',
    },
    entry: 'c',
    output: '11',
  },
];

for (const c of CASES) {
  test(c.name, () => {
    check(c);
  });
}
