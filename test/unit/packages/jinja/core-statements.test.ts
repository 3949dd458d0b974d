import { test } from 'node:test';
import { check } from './core-helpers.ts';
import type { CoreCase } from './core-helpers.ts';

// Statements and expressions
// Every expectation below was produced by Python Jinja2 3.1.6 with
// Environment(trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined, keep_trailing_newline=True).
const CASES: CoreCase[] = [
  {
    name: 'print statement prints Python str() of values',
    src: "{{ 2.0 }} {{ false }} {{ none }} {{ [1, 'a', none] }} {{ {'k': (1, 2.5)} }} {{ 10 // 4 }} {{ 7 / 2 }}",
    output: "2.0 False None [1, 'a', None] {'k': (1, 2.5)} 2 3.5",
  },
  {
    name: 'literals: int forms, floats and strings with Python escapes',
    src: "{{ 1_000 }} {{ 0x1F }} {{ 0o17 }} {{ 0b101 }} {{ 1.5e3 }} {{ 1e5 }} {{ '\\t|\\x41\\u00e9\\\\' }} {{ 'a' \"b\" }}",
    output: '1000 31 15 5 1500.0 100000.0 \t|Aé\\ ab',
  },
  {
    name: 'unicode name escapes in string literals',
    src: '{{ "\\N{SNOWMAN}\\N{latin small letter e with acute}\\N{DIGIT SEVEN}\\N{EM DASH}\\N{LATIN CAPITAL LETTER C WITH CEDILLA}" }}',
    output: '☃é7—Ç',
  },
  {
    name: 'lowercase and capitalised constants',
    src: '{{ true }}{{ True }}{{ none }}{{ None }}{{ false is sameas False }}',
    output: 'TrueTrueNoneNoneTrue',
  },
  {
    name: 'operator precedence',
    src: "{{ 1 + 2 * 3 ** 2 }} {{ -2 ** 2 }} {{ (1 + 2) * 3 }} {{ 2 ** 3 ** 2 }} {{ 'a' ~ 1 + 2 }} {{ not 1 == 2 }}",
    error: 'PyException',
    pyType: 'TypeError',
    message: 'can only concatenate str (not "int") to str',
  },
  {
    name: 'chained comparisons and membership',
    src: "{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 1 in [1] }} {{ 2 not in [1] }} {{ 'b' in 'abc' }}",
    output: 'True False True True True',
  },
  {
    name: 'and/or return operands',
    src: "{{ 0 or 'a' }} {{ 1 and 'b' }} {{ none or [] }} {{ '' and x }}",
    output: 'a b [] ',
  },
  {
    name: 'conditional expressions',
    src: "{{ 1 if true else 2 }} {{ 'x' if 0 else 'y' if 1 else 'z' }}",
    output: '1 y',
  },
  { name: 'conditional expression without else prints nothing', src: '[{{ 1 if false }}]', output: '[]' },
  {
    name: 'slices with steps and negative indexes',
    src: "{{ [1,2,3,4,5][1:4:2] }} {{ 'hello'[::-1] }} {{ 'abc'[-1] }} {{ (1,2,3)[:-1] }} {{ 'abcdef'[1::2] }}",
    output: '[2, 4] olleh c (1, 2) bdf',
  },
  {
    name: 'tuple and list and dict literals',
    src: '{{ (1,) }} {{ () }} {{ [] }} {{ {} }} {{ (1, 2) }} {{ [1, [2, 3]] }}',
    output: '(1,) () [] {} (1, 2) [1, [2, 3]]',
  },
  {
    name: 'if elif else',
    src: '{% for v in [0, 1, 2] %}{% if v == 0 %}zero{% elif v == 1 %}one{% else %}many{% endif %} {% endfor %}',
    output: 'zero one many ',
  },
  {
    name: 'empty containers are false',
    src: "{% if [] %}T{% else %}F{% endif %}{% if {} %}T{% else %}F{% endif %}{% if '' %}T{% else %}F{% endif %}{% if 0.0 %}T{% else %}F{% endif %}{% if [0] %}T{% endif %}",
    output: 'FFFFT',
  },
  {
    name: 'for over a list, a tuple literal and a mapping',
    src: "{% for x in xs %}{{ x }}{% endfor %} {% for p in (80, 443) %}{{ p }},{% endfor %} {% for k in {'b': 1, 'a': 2} %}{{ k }}{% endfor %}",
    ctx: { xs: [1, 2, 3] },
    output: '123 80,443, ba',
  },
  {
    name: 'for with tuple unpacking',
    src: '{% for a, b in [(1, 2), (3, 4)] %}{{ a }}{{ b }};{% endfor %}{% for (a, b) in [[5, 6]] %}{{ b }}{{ a }}{% endfor %}',
    output: '12;34;65',
  },
  {
    name: 'loop attributes',
    src: '{% for x in xs %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.revindex }}/{{ loop.revindex0 }}/{{ loop.first }}/{{ loop.last }}/{{ loop.length }}/{{ loop.depth }}/{{ loop.depth0 }} {% endfor %}',
    ctx: { xs: [1, 2, 3] },
    output: '1/0/3/2/True/False/3/1/0 2/1/2/1/False/False/3/1/0 3/2/1/0/False/True/3/1/0 ',
  },
  {
    name: 'loop.cycle, previtem and nextitem',
    src: "{% for x in xs %}{{ loop.cycle('a', 'b') }}{% if loop.previtem is defined %}<{{ loop.previtem }}{% endif %}{% if loop.nextitem is defined %}>{{ loop.nextitem }}{% endif %} {% endfor %}",
    ctx: { xs: [1, 2, 3] },
    output: 'a>2 b<1>3 a<2 ',
  },
  {
    name: 'loop.changed',
    src: '{% for x in [1, 1, 2, 2, 3, 1] %}{% if loop.changed(x) %}{{ x }}{% endif %}{% endfor %}',
    output: '1231',
  },
  {
    name: 'for with an inline if filters before counting',
    src: '{% for x in xs if x > 1 %}{{ loop.index }}:{{ x }}/{{ loop.length }} {% endfor %}',
    ctx: { xs: [1, 2, 3] },
    output: '1:2/2 2:3/2 ',
  },
  {
    name: 'for else runs when nothing iterated',
    src: '{% for x in [] %}a{% else %}empty{% endfor %} {% for x in xs if x > 5 %}a{% else %}none passed{% endfor %}',
    ctx: { xs: [1, 2, 3] },
    output: 'empty none passed',
  },
  {
    name: 'recursive loops',
    src: '{% for item in tree recursive %}[{{ item.n }}@{{ loop.depth }}{% if item.c %}{{ loop(item.c) }}{% endif %}]{% endfor %}',
    ctx: {
      tree: [
        { n: 'a', c: [{ n: 'b', c: [{ n: 'c', c: [] }] }] },
        { n: 'd', c: [] },
      ],
    },
    output: '[a@1[b@2[c@3]]][d@1]',
  },
  {
    name: 'set, multiple targets and a tuple value',
    src: '{% set a, b = 1, 2 %}{% set t = 3, 4 %}{{ a }}{{ b }}{{ t }}',
    output: '12(3, 4)',
  },
  {
    name: 'block set with filters',
    src: '{% set t | upper %}\n  hello {{ 1 }}\n{% endset %}[{{ t }}]',
    output: '[  HELLO 1\n]',
  },
  {
    name: 'namespace assignment escapes the loop',
    src: '{% set ns = namespace(total=0) %}{% for x in xs %}{% set ns.total = ns.total + x %}{% endfor %}{{ ns.total }}',
    ctx: { xs: [1, 2, 3] },
    output: '6',
  },
  {
    name: 'with evaluates its values in the outer scope',
    src: "{% set a = 'outer' %}{% with a = 'inner', b = a %}{{ a }} {{ b }}{% endwith %} {{ a }}",
    output: 'inner outer outer',
  },
  {
    name: 'macros with defaults, keyword arguments, varargs and kwargs',
    src: '{% macro m(a, b=2, c=a) %}{{ a }}{{ b }}{{ c }}{% endmacro %}{{ m(1) }} {{ m(1, 3) }} {{ m(1, c=5) }} {% macro v() %}{{ varargs }}{{ kwargs }}{% endmacro %}{{ v(1, 2, x=3) }}',
    output: "121 131 125 (1, 2){'x': 3}",
  },
  {
    name: 'call blocks pass caller with arguments',
    src: '{% macro m(x) %}<{{ caller(x) }}|{{ caller(x + 1) }}>{% endmacro %}{% call(v) m(5) %}got {{ v }}{% endcall %}',
    output: '<got 5|got 6>',
  },
  {
    name: 'recursive macros',
    src: '{% macro f(n) %}{% if n > 0 %}{{ n }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(3) }}',
    output: '321',
  },
  { name: 'filter blocks', src: "{% filter upper %}shout {{ 'it' }}{% endfilter %}", output: 'SHOUT IT' },
  { name: 'print tag', src: "{% print 1, 'a' %}", output: '1a' },
  {
    name: 'autoescape: concatenation is Markup only with a Markup operand',
    src: "{% autoescape true %}{{ a ~ (b | safe) }}|{{ a ~ b }}|{{ (a ~ b) is escaped }}|{{ '<x>' ~ ('<y>' | safe) }}{% endautoescape %}",
    ctx: { a: '<a>', b: '<b>' },
    output: '&lt;a&gt;<b>|&lt;a&gt;&lt;b&gt;|False|&lt;x&gt;&lt;y&gt;',
  },
  {
    name: 'autoescape block escapes printed values',
    src: "{% autoescape true %}{{ '<a>' }}{{ '<b>' | safe }}{% endautoescape %}{{ '<c>' }}",
    output: '&lt;a&gt;<b><c>',
  },
  {
    name: 'dict keys named like methods: dot gives the method, subscript the value',
    src: "{{ d['items'] }} {% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}",
    ctx: { d: { items: [1, 2] } },
    output: '[1, 2] items=[1, 2];',
  },
  {
    name: 'filters and tests with arguments',
    src: "{{ 9 is divisibleby 3 }} {{ 9 is divisibleby(2) }} {{ xs | join(', ') }} {{ 'a-b' | replace('-', '+') }}",
    ctx: { xs: [1, 2, 3] },
    output: 'True False 1, 2, 3 a+b',
  },
  {
    name: 'calls with *args and **kwargs',
    src: "{% macro m(a, b, c=0) %}{{ a }}{{ b }}{{ c }}{% endmacro %}{{ m(*[1, 2]) }} {{ m(1, **{'b': 5, 'c': 6}) }}",
    output: '120 156',
  },
  {
    name: 'lists are iterated live; loop.length is taken once',
    src: '{% set ys = [1] %}{% for y in ys %}{% if y < 4 %}{% set _ = ys.append(y + 1) %}{% endif %}{{ y }}{{ loop.length }} {% endfor %}',
    output: '12 22 32 42 ',
  },
  {
    name: 'nested call blocks and caller arguments with defaults',
    src: '{% macro m() %}[{{ caller(1) }}]{% endmacro %}{% call(a, b=2) m() %}{{ a }}{{ b }}{% call m() %}in{% endcall %}{% endcall %}',
    error: 'PyException',
    pyType: 'TypeError',
    message: 'macro None takes not more than 0 argument(s)',
  },
  {
    name: 'the caller of a call block is an anonymous macro',
    src: '{% macro m(caller=1) %}{{ caller }}{% endmacro %}{{ m() }} {% call m() %}x{% endcall %}',
    output: '1 <Macro anonymous>',
  },
  {
    name: 'macros defined in macros see the template variables',
    src: '{% macro a() %}{% macro b() %}{{ v }}{% endmacro %}{{ b() }}{% endmacro %}{% set v = 3 %}{{ a() }}',
    output: '3',
  },
  {
    name: 'self is the template even when a value is called self',
    src: '{{ self }}',
    ctx: { self: 'value' },
    output: "<TemplateReference 'main.j2'>",
  },
];

for (const c of CASES) {
  test(c.name, () => {
    check(c);
  });
}
